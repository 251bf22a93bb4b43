package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Synthesized replies: errors with the question echoed, and truncated answers for UDP clients.
 * Every method returns a new buffer owned by the caller and leaves its inputs untouched.
 */
public final class Replies {
    private static final int OPT_LENGTH = 11;

    private Replies() {
    }

    /**
     * An error reply (SERVFAIL, REFUSED, FORMERR, NOTIMP ...) to {@code query}: same ID, RD copied, the question
     * echoed when {@code info} says it was readable, and an OPT record when the query had one (RFC 6891 6.1.1).
     */
    public static ByteBuf error(ByteBufAllocator alloc, ByteBuf query, QueryInfo info, int rcode) {
        return error(alloc, query, info, rcode, ExtendedErrors.NONE, null);
    }

    /**
     * {@link #error(ByteBufAllocator, ByteBuf, QueryInfo, int)} that says why: an extended error {@code ede} (RFC
     * 8914, {@link ExtendedErrors#NONE} for none) with {@code text} (or null) in its OPT record, when the query
     * had one.
     */
    public static ByteBuf error(ByteBufAllocator alloc, ByteBuf query, QueryInfo info, int rcode, int ede,
            byte[] text) {
        boolean echo = info.qtype() >= 0;
        int questionLength = echo ? info.questionEnd() - Dns.HEADER_LENGTH : 0;
        ByteBuf out = alloc.buffer(Dns.HEADER_LENGTH + questionLength + optLength(info, ede, text));
        int queryFlags = Dns.flags(query);
        int flags = Dns.FLAG_QR | (queryFlags & (Dns.FLAG_RD | 0x7800 /* opcode */)) | Dns.FLAG_RA | (rcode & 0xF);
        out.writeShort(Dns.id(query));
        out.writeShort(flags);
        out.writeShort(echo ? 1 : 0);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(info.hasOpt() ? 1 : 0);
        if (echo) {
            out.writeBytes(query, query.readerIndex() + Dns.HEADER_LENGTH, questionLength);
        }
        if (info.hasOpt()) {
            writeOpt(out, info.dnssecOk(), ede, text);
        }
        return out;
    }

    /**
     * A reply with TC=1 that tells a UDP client to retry over TCP because {@code answer} does not fit its
     * payload size: the answer's header flags and question, no records, and an OPT when the query had one.
     */
    public static ByteBuf truncated(ByteBufAllocator alloc, ByteBuf answer, QueryInfo info) {
        return truncated(alloc, answer, info, ExtendedErrors.NONE, null);
    }

    /** {@link #truncated(ByteBufAllocator, ByteBuf, QueryInfo)} with an extended error, as {@link #error}. */
    public static ByteBuf truncated(ByteBufAllocator alloc, ByteBuf answer, QueryInfo info, int ede, byte[] text) {
        int questionLength = info.questionEnd() - Dns.HEADER_LENGTH;
        ByteBuf out = alloc.buffer(Dns.HEADER_LENGTH + questionLength + optLength(info, ede, text));
        out.writeShort(Dns.id(answer));
        out.writeShort(Dns.flags(answer) | Dns.FLAG_TC);
        out.writeShort(1);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(info.hasOpt() ? 1 : 0);
        // The answer's question was matched against the query's, so its length is the query's.
        out.writeBytes(answer, answer.readerIndex() + Dns.HEADER_LENGTH, questionLength);
        if (info.hasOpt()) {
            writeOpt(out, info.dnssecOk(), ede, text);
        }
        return out;
    }

    /**
     * A blocking answer in "null address" style: 0.0.0.0 for A, :: for AAAA, each with {@code ttl} seconds, and
     * an empty NOERROR answer for every other type. Same ID and question as {@code query}, RA and RD as for
     * {@link #error}.
     */
    public static ByteBuf nullAddress(ByteBufAllocator alloc, ByteBuf query, QueryInfo info, int ttl) {
        return nullAddress(alloc, query, info, ttl, ExtendedErrors.NONE, null);
    }

    /** {@link #nullAddress(ByteBufAllocator, ByteBuf, QueryInfo, int)} with an extended error, as {@link #error}. */
    public static ByteBuf nullAddress(ByteBufAllocator alloc, ByteBuf query, QueryInfo info, int ttl, int ede,
            byte[] text) {
        int questionLength = info.questionEnd() - Dns.HEADER_LENGTH;
        int rdLength = info.qclass() != 1 ? 0 : info.qtype() == 1 ? 4 : info.qtype() == 28 ? 16 : 0;
        ByteBuf out = alloc.buffer(Dns.HEADER_LENGTH + questionLength + 28 + optLength(info, ede, text));
        int flags = Dns.FLAG_QR | (Dns.flags(query) & Dns.FLAG_RD) | Dns.FLAG_RA;
        out.writeShort(Dns.id(query));
        out.writeShort(flags);
        out.writeShort(1);
        out.writeShort(rdLength > 0 ? 1 : 0);
        out.writeShort(0);
        out.writeShort(info.hasOpt() ? 1 : 0);
        out.writeBytes(query, query.readerIndex() + Dns.HEADER_LENGTH, questionLength);
        if (rdLength > 0) {
            out.writeShort(0xC000 | Dns.HEADER_LENGTH); // pointer to the question name
            out.writeShort(info.qtype());
            out.writeShort(info.qclass());
            out.writeInt(ttl);
            out.writeShort(rdLength);
            out.writeZero(rdLength);
        }
        if (info.hasOpt()) {
            writeOpt(out, info.dnssecOk(), ede, text);
        }
        return out;
    }

    private static int optLength(QueryInfo info, int ede, byte[] text) {
        return !info.hasOpt() ? 0 : OPT_LENGTH + (ede == ExtendedErrors.NONE ? 0 : ExtendedErrors.optionLength(text));
    }

    /**
     * Writes an OPT record with the gateway's payload size, no options, and DO when {@code dnssecOk}; the caller
     * counts it in ARCOUNT.
     */
    public static void writeOpt(ByteBuf out, boolean dnssecOk) {
        writeOpt(out, dnssecOk, ExtendedErrors.NONE, null);
    }

    private static void writeOpt(ByteBuf out, boolean dnssecOk, int ede, byte[] text) {
        out.writeByte(0);                       // root name
        out.writeShort(Dns.TYPE_OPT);
        out.writeShort(Dns.OUR_UDP_SIZE);       // our payload size
        out.writeInt(dnssecOk ? 0x8000 : 0);    // ext rcode 0, version 0, DO
        if (ede == ExtendedErrors.NONE) {
            out.writeShort(0);                  // no options
        } else {
            out.writeShort(ExtendedErrors.optionLength(text));
            ExtendedErrors.writeOption(out, ede, text);
        }
    }
}
