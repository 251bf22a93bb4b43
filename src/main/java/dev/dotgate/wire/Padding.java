package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * EDNS(0) padding (RFC 7830) with the block-length policy of RFC 8467: queries sent upstream over TLS are padded to
 * a multiple of {@value #QUERY_BLOCK} bytes, answers to clients who padded their query over DoT or DoH to a multiple
 * of {@value #RESPONSE_BLOCK}. The length counted is the DNS message's, without the 2-byte TCP length prefix.
 * Nothing is padded on plain UDP or TCP.
 *
 * <p>Each message is rewritten in the copy that is made anyway (into the upstream frame, into the client frame):
 * everything up to the OPT record's RDLENGTH, the OPT options except the hop-by-hop ones ({@link EdnsOptions}),
 * then ours (keepalive, padding), then whatever followed the OPT record. A message without an OPT record gets one
 * appended when an option has to be written. No decode, no intermediate buffer.
 *
 * <p>The same copy is where a client's query is made private and fit for the upstream hop
 * ({@link #writeQuery(ByteBuf, QueryInfo, ByteBuf, UpstreamCopy)}): its DNS Cookie (RFC 7873, a client cookie
 * belongs to one client-server pair) and its Client Subnet (RFC 7871, unless the upstream is configured to get it)
 * are left out, and over UDP the OPT record's payload size is the gateway's, not the client's.
 */
public final class Padding {
    public static final int QUERY_BLOCK = 128;
    public static final int RESPONSE_BLOCK = 468;
    /** How much an answer can grow in {@link #writeAnswer}: an OPT record, a keepalive and a padding option. */
    public static final int MAX_ANSWER_GROWTH = EdnsOptions.OPT_HEADER + 6 + 4 + RESPONSE_BLOCK - 1;

    /** How a query travels to an upstream, which decides what its OPT record carries. */
    public enum Hop {
        /** udp://: hop-by-hop options from the client are left out, nothing added. */
        DATAGRAM,
        /** tcp://: the client's hop-by-hop options are replaced by a keepalive request when it has an OPT. */
        STREAM,
        /** tls://: keepalive request and padding to {@value #QUERY_BLOCK}; an OPT is added when missing. */
        ENCRYPTED_STREAM,
        /**
         * https:// and quic://: padding to {@value #QUERY_BLOCK}, no keepalive (HTTP/2 and QUIC manage the
         * connection; RFC 9250 forbids edns-tcp-keepalive); an OPT is added when missing.
         */
        ENCRYPTED_MESSAGE
    }

    /**
     * How one upstream's copy of a query is written: the {@code hop}, the EDNS UDP payload size advertised in it
     * ({@code udpSize}, written into the OPT record's class over {@link Hop#DATAGRAM}; 0 leaves the client's), and
     * whether the client's Client Subnet option goes along ({@code forwardEcs}). A client's cookie never does.
     */
    public record UpstreamCopy(Hop hop, int udpSize, boolean forwardEcs) {
        public UpstreamCopy {
            if (udpSize != 0 && (udpSize < 512 || udpSize > Dns.MAX_MESSAGE)) {
                throw new IllegalArgumentException("udpSize outside 512-65535: " + udpSize);
            }
        }
    }

    /** A strip mask dropping only the hop-by-hop options: for answers, and the {@link Hop}-only writeQuery. */
    private static final int STRIP_NONE = 0;
    /** Bit of a strip mask: the client's Client Subnet option stays out. */
    private static final int STRIP_ECS = 1;
    /** Bit of a strip mask: the client's cookie stays out. */
    private static final int STRIP_COOKIE = 2;

    private Padding() {
    }

    /** The most bytes {@link #writeQuery} writes for a query of {@code length} bytes. */
    public static int maxQueryLength(int length, Hop hop) {
        return switch (hop) {
            case DATAGRAM -> length;
            case STREAM -> length + 4;
            case ENCRYPTED_STREAM -> roundUp(length + EdnsOptions.OPT_HEADER + 4 + 4, QUERY_BLOCK);
            case ENCRYPTED_MESSAGE -> roundUp(length + EdnsOptions.OPT_HEADER + 4, QUERY_BLOCK);
        };
    }

    /**
     * Appends the client query {@code query} (described by {@code info}) to {@code out} with only its hop-by-hop
     * options rewritten for {@code hop}, every other option kept, and returns its length. Borrows both buffers;
     * moves only {@code out}'s writer index. What goes to an upstream is
     * {@link #writeQuery(ByteBuf, QueryInfo, ByteBuf, UpstreamCopy)}.
     */
    public static int writeQuery(ByteBuf query, QueryInfo info, ByteBuf out, Hop hop) {
        return writeQuery(query, info, out, hop, STRIP_NONE, 0);
    }

    /**
     * Appends the client query {@code query} (described by {@code info}) to {@code out} as it goes to an upstream
     * written as {@code copy} says: hop-by-hop options rewritten for the hop, the client's cookie left out, its
     * Client Subnet left out unless {@code copy.forwardEcs()}, and over UDP the payload size set to
     * {@code copy.udpSize()}. Returns its length, at most {@link #maxQueryLength}. Borrows both buffers; moves only
     * {@code out}'s writer index.
     */
    public static int writeQuery(ByteBuf query, QueryInfo info, ByteBuf out, UpstreamCopy copy) {
        int strip = STRIP_COOKIE | (copy.forwardEcs() ? 0 : STRIP_ECS);
        return writeQuery(query, info, out, copy.hop(), strip, copy.hop() == Hop.DATAGRAM ? copy.udpSize() : 0);
    }

    /**
     * {@link #writeQuery(ByteBuf, QueryInfo, ByteBuf, UpstreamCopy)} with {@code id} in place of the query's ID,
     * preceded by its 2-byte length when {@code lengthPrefix} (TCP, DoT and DoQ framing): what an upstream's copy
     * of a query is. Borrows both buffers; moves only {@code out}'s writer index.
     */
    public static void writeUpstreamQuery(ByteBuf query, QueryInfo info, ByteBuf out, UpstreamCopy copy, int id,
            boolean lengthPrefix) {
        int at = out.writerIndex();
        if (lengthPrefix) {
            out.writeShort(0);
        }
        int len = writeQuery(query, info, out, copy);
        if (lengthPrefix) {
            out.setShort(at, len);
            at += 2;
        }
        out.setShort(at, id);
    }

    private static int writeQuery(ByteBuf query, QueryInfo info, ByteBuf out, Hop hop, int strip, int udpSize) {
        int optAt = info.optOffset() < 0 ? EdnsOptions.NONE : query.readerIndex() + info.optOffset();
        return switch (hop) {
            case DATAGRAM -> info.hasOpt()
                    ? write(query, optAt, out, EdnsOptions.NO_KEEPALIVE, 0, strip, udpSize) : copy(query, out);
            case STREAM -> info.hasOpt()
                    ? write(query, optAt, out, EdnsOptions.KEEPALIVE_ASK, 0, strip, 0) : copy(query, out);
            case ENCRYPTED_STREAM -> write(query, optAt, out, EdnsOptions.KEEPALIVE_ASK, QUERY_BLOCK, strip, 0);
            case ENCRYPTED_MESSAGE -> write(query, optAt, out, EdnsOptions.NO_KEEPALIVE, QUERY_BLOCK, strip, 0);
        };
    }

    /**
     * Appends {@code answer} to {@code out} padded to {@value #RESPONSE_BLOCK} when {@code pad}, and with a
     * keepalive option of {@code keepalive} (units of 100 ms) unless it is {@link EdnsOptions#NO_KEEPALIVE}; an
     * OPT record is added if the answer has none (call this only for queries that had one). An answer whose records
     * cannot be walked is copied as it is. Returns the length written, at most {@link #MAX_ANSWER_GROWTH} more
     * than the answer's. Borrows both buffers; moves only {@code out}'s writer index.
     */
    public static int writeAnswer(ByteBuf answer, ByteBuf out, boolean pad, int keepalive) {
        int optAt = EdnsOptions.findOpt(answer);
        if (optAt == EdnsOptions.MALFORMED) {
            return copy(answer, out);
        }
        return write(answer, optAt, out, keepalive, pad ? RESPONSE_BLOCK : 0, STRIP_NONE, 0);
    }

    /**
     * The answer to a padded query over DoH: {@code answer} padded to a multiple of {@value #RESPONSE_BLOCK}
     * bytes. Takes ownership of {@code answer} and returns a new buffer from {@code alloc}, owned by the caller.
     * Call it only when {@link QueryInfo#padding()} is set for the query.
     */
    public static ByteBuf padResponse(ByteBuf answer, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(answer.readableBytes() + MAX_ANSWER_GROWTH);
        try {
            writeAnswer(answer, out, true, EdnsOptions.NO_KEEPALIVE);
        } catch (RuntimeException e) {
            out.release();
            return answer; // cannot happen for a message the checks above let through; unpadded beats lost
        }
        answer.release();
        return out;
    }

    /**
     * Copies the readable bytes of {@code m} to {@code out}, with the options of the OPT record at absolute index
     * {@code optAt} ({@link EdnsOptions#NONE}: add one) rewritten: hop-by-hop options dropped, a keepalive option
     * unless {@code keepalive} is {@link EdnsOptions#NO_KEEPALIVE}, and a padding option bringing the length to a
     * multiple of {@code block} (0: none) if that stays within 65535 bytes. The options {@code strip} names
     * ({@link #STRIP_ECS}, {@link #STRIP_COOKIE}) are dropped too, and a {@code udpSize} other than 0 replaces the
     * payload size of an existing OPT record. Returns the length written.
     */
    static int write(ByteBuf m, int optAt, ByteBuf out, int keepalive, int block, int strip, int udpSize) {
        int start = m.readerIndex();
        int end = m.writerIndex();
        int outStart = out.writerIndex();
        int keepaliveLength = keepalive == EdnsOptions.NO_KEEPALIVE ? 0
                : keepalive == EdnsOptions.KEEPALIVE_ASK ? 4 : 6;
        int rdStart = optAt + EdnsOptions.OPT_HEADER;
        int rdEnd = 0;
        int kept = 0;
        int base;
        if (optAt >= 0) {
            rdEnd = rdStart + m.getUnsignedShort(rdStart - 2);
            kept = keptLength(m, rdStart, rdEnd, strip);
            if (kept < 0) {
                return copy(m, out); // options unreadable: leave the message alone
            }
            base = end - start - (rdEnd - rdStart) + kept + keepaliveLength;
        } else {
            if (keepaliveLength == 0 && block == 0) {
                return copy(m, out);
            }
            base = end - start + EdnsOptions.OPT_HEADER + keepaliveLength;
        }
        if (base > Dns.MAX_MESSAGE) {
            return copy(m, out);
        }
        int pad = block > 0 ? paddingLength(base, block, Dns.MAX_MESSAGE) : -1;
        int rdLength = kept + keepaliveLength + (pad >= 0 ? 4 + pad : 0);
        if (optAt >= 0) {
            out.writeBytes(m, start, rdStart - 2 - start);
            if (udpSize != 0) {
                out.setShort(outStart + (optAt + 3 - start), udpSize); // root name, TYPE, then CLASS
            }
            out.writeShort(rdLength);
            copyKept(m, rdStart, rdEnd, out, strip);
        } else {
            out.writeBytes(m, start, end - start);
            out.setShort(outStart + 10, Dns.arcount(m) + 1);
            out.writeByte(0);                 // root name
            out.writeShort(Dns.TYPE_OPT);
            out.writeShort(Dns.OUR_UDP_SIZE);
            out.writeInt(0);                  // ext rcode 0, version 0, no DO
            out.writeShort(rdLength);
        }
        if (keepaliveLength > 0) {
            out.writeShort(EdnsOptions.KEEPALIVE);
            out.writeShort(keepaliveLength - 4);
            if (keepaliveLength == 6) {
                out.writeShort(keepalive);
            }
        }
        if (pad >= 0) {
            out.writeShort(EdnsOptions.PADDING);
            out.writeShort(pad);
            out.writeZero(pad);
        }
        if (optAt >= 0) {
            out.writeBytes(m, rdEnd, end - rdEnd);
        }
        return out.writerIndex() - outStart;
    }

    /**
     * The length of the padding option's data that brings a message of {@code base} bytes plus the option's own
     * 4 bytes to a multiple of {@code block}, or -1 when that would exceed {@code max}.
     */
    static int paddingLength(int base, int block, int max) {
        int withOption = base + 4;
        int padded = roundUp(withOption, block);
        return padded > max ? -1 : padded - withOption;
    }

    private static int roundUp(int n, int block) {
        return (n + block - 1) / block * block;
    }

    private static int copy(ByteBuf m, ByteBuf out) {
        int length = m.readableBytes();
        out.writeBytes(m, m.readerIndex(), length);
        return length;
    }

    /** Whether option {@code code} is left out of a copy: hop-by-hop ones always, the others {@code strip} names. */
    private static boolean dropped(int code, int strip) {
        return code == EdnsOptions.PADDING || code == EdnsOptions.KEEPALIVE
                || (code == EdnsOptions.COOKIE && (strip & STRIP_COOKIE) != 0)
                || (code == EdnsOptions.CLIENT_SUBNET && (strip & STRIP_ECS) != 0);
    }

    /** Bytes of the options kept ({@link #dropped}), or -1 when an option runs past {@code rdEnd}. */
    private static int keptLength(ByteBuf m, int rdStart, int rdEnd, int strip) {
        int kept = 0;
        for (int i = rdStart, next; i < rdEnd; i = next) {
            next = EdnsOptions.optionEnd(m, i, rdEnd);
            if (next == EdnsOptions.MALFORMED) {
                return -1;
            }
            if (!dropped(m.getUnsignedShort(i), strip)) {
                kept += next - i;
            }
        }
        return kept;
    }

    /** Appends the options kept ({@link #dropped}), in runs. Options are known to be well-formed. */
    private static void copyKept(ByteBuf m, int rdStart, int rdEnd, ByteBuf out, int strip) {
        int runStart = rdStart;
        int i = rdStart;
        while (i < rdEnd) {
            int code = m.getUnsignedShort(i);
            int size = 4 + m.getUnsignedShort(i + 2);
            if (dropped(code, strip)) {
                out.writeBytes(m, runStart, i - runStart);
                runStart = i + size;
            }
            i += size;
        }
        out.writeBytes(m, runStart, rdEnd - runStart);
    }
}
