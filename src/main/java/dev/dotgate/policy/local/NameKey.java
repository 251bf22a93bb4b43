package dev.dotgate.policy.local;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Names;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.xbill.DNS.Name;

/** A domain name as lower-cased wire bytes: the lookup key of local names, built without decoding to text. */
final class NameKey {
    private final byte[] bytes;
    private final int hash;

    private NameKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** The key of an absolute dnsjava name. */
    static NameKey of(Name name) {
        return new NameKey(name.toWireCanonical());
    }

    /** The key of the question name of {@code query}, which {@code info} describes as OK. Moves no indexes. */
    static NameKey ofQuestion(ByteBuf query, QueryInfo info) {
        int start = query.readerIndex() + Dns.HEADER_LENGTH;
        byte[] b = new byte[info.questionEnd() - Dns.HEADER_LENGTH - 4];
        Names.copyLowerCase(query, start, b, b.length);
        return new NameKey(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NameKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
