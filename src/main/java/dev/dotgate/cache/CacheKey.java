package dev.dotgate.cache;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.NameKey;
import dev.dotgate.wire.Names;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.SipHash;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * What a cached answer is filed under: the question name as lower-cased wire bytes (a {@link NameKey}'s bytes,
 * written and compared by its functions), the question type and class, and the parts of the query that change what
 * an upstream answers: whether it had an OPT record at all (a client without EDNS must never receive one), its DO
 * bit, and its CD bit (an answer fetched with checking disabled must not reach a client that wants validated data),
 * and its EDNS Client Subnet option when it has one (RFC 7871: an upstream configured with {@code ecs=forward}
 * tailors its answer to that subnet, so the answer is shared only with queries naming the same subnet; stripped
 * subnets cost only some sharing). Immutable; one byte array per key, nothing decoded to text.
 *
 * <p>Clients choose the names, so they could choose names that collide: {@link #hashCode} is SipHash-1-3 of the key
 * bytes under a key drawn once per process from {@code SecureRandom} ({@link SipHash#seeded}), which they cannot
 * predict (an unseeded {@code Arrays.hashCode} let anyone make thousands of names share one hash bucket and turn
 * every lookup into a list scan). Keys are also {@link Comparable} (unsigned bytes, lexicographic), so should a
 * bucket still fill up, the {@code ConcurrentHashMap} inside Caffeine and the flight table turn it into a tree.
 */
public final class CacheKey implements Comparable<CacheKey> {

    private static final int EDNS = 1;
    private static final int DNSSEC_OK = 2;
    private static final int CHECKING_DISABLED = 4;
    private static final int CLIENT_SUBNET = 8;
    /** qtype (2), qclass (2), flags (1) after the name. */
    private static final int TAIL = 5;

    private final byte[] bytes; // name, TAIL, then the client subnet option's data if any
    private final int nameLength;
    private final int hash;

    private CacheKey(byte[] bytes, int nameLength) {
        this.bytes = bytes;
        this.nameLength = nameLength;
        this.hash = SipHash.seeded(bytes);
    }

    /**
     * The key of {@code query}, which {@code info} must describe as {@link QueryInfo.Status#OK}. Reads the question
     * in place; does not move indexes or take ownership.
     */
    public static CacheKey of(ByteBuf query, QueryInfo info) {
        if (info.status() != QueryInfo.Status.OK) {
            throw new IllegalArgumentException("not a well-formed query: " + info.status());
        }
        int nameStart = query.readerIndex() + Dns.HEADER_LENGTH;
        int nameLength = info.questionEnd() - Dns.HEADER_LENGTH - 4;
        int ecsAt = info.hasOpt() ? EdnsOptions.findOption(query, query.readerIndex() + info.optOffset(),
                EdnsOptions.CLIENT_SUBNET) : EdnsOptions.NONE;
        int ecsLength = ecsAt >= 0 ? query.getUnsignedShort(ecsAt + 2) : 0;
        byte[] b = new byte[nameLength + TAIL + ecsLength];
        NameKey.copyLowerCase(query, nameStart, b, 0, nameLength);
        b[nameLength] = (byte) (info.qtype() >>> 8);
        b[nameLength + 1] = (byte) info.qtype();
        b[nameLength + 2] = (byte) (info.qclass() >>> 8);
        b[nameLength + 3] = (byte) info.qclass();
        int flags = (info.hasOpt() ? EDNS : 0) | (info.dnssecOk() ? DNSSEC_OK : 0)
                | ((Dns.flags(query) & Dns.FLAG_CD) != 0 ? CHECKING_DISABLED : 0)
                | (ecsAt >= 0 ? CLIENT_SUBNET : 0);
        b[nameLength + 4] = (byte) flags;
        if (ecsLength > 0) {
            query.getBytes(ecsAt + 4, b, nameLength + TAIL, ecsLength);
        }
        return new CacheKey(b, nameLength);
    }

    /** Length of the question name in wire form; the question section is this plus 4. */
    int nameLength() {
        return nameLength;
    }

    public int qtype() {
        return ((bytes[nameLength()] & 0xFF) << 8) | (bytes[nameLength() + 1] & 0xFF);
    }

    public int qclass() {
        return ((bytes[nameLength() + 2] & 0xFF) << 8) | (bytes[nameLength() + 3] & 0xFF);
    }

    /** Whether the query carried an OPT record. */
    public boolean edns() {
        return (bytes[nameLength() + 4] & EDNS) != 0;
    }

    public boolean dnssecOk() {
        return (bytes[nameLength() + 4] & DNSSEC_OK) != 0;
    }

    public boolean checkingDisabled() {
        return (bytes[nameLength() + 4] & CHECKING_DISABLED) != 0;
    }

    /**
     * Whether the question starting at {@code index} of {@code m} (an uncompressed name, type, class) is this key's,
     * the name compared case-insensitively. Returns the index just past the question, or {@link Names#MALFORMED}
     * when it is unreadable or another question.
     */
    int matchQuestion(ByteBuf m, int index, int end) {
        int nameEnd = Names.skipUncompressed(m, index, end);
        int length = nameLength();
        if (nameEnd == Names.MALFORMED || nameEnd - index != length || nameEnd + 4 > end) {
            return Names.MALFORMED;
        }
        if (!NameKey.matches(m, index, bytes, 0, length)
                || m.getUnsignedShort(nameEnd) != qtype() || m.getUnsignedShort(nameEnd + 2) != qclass()) {
            return Names.MALFORMED;
        }
        return nameEnd + 4;
    }

    /** Unsigned bytes, lexicographic; consistent with {@link #equals}. */
    @Override
    public int compareTo(CacheKey other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** For logs and test failures: "name/type/class" plus the EDNS state. */
    @Override
    public String toString() {
        return NameKey.toText(bytes, 0, nameLength) + "/" + qtype() + "/" + qclass() + (edns() ? " edns" : "")
                + (dnssecOk() ? " do" : "") + (checkingDisabled() ? " cd" : "")
                + ((bytes[nameLength + 4] & CLIENT_SUBNET) != 0 ? " ecs" : "");
    }
}
