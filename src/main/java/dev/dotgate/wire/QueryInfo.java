package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/**
 * What the gateway needs to know about a client query, read straight from its bytes: the question's extent,
 * type and class, and the EDNS OPT record (UDP payload size, DO bit). The message itself is not decoded.
 *
 * @param status      {@link Status#OK} or why the message is not a query we can forward
 * @param questionEnd offset, relative to the message start, just past the question (12 when there is none)
 * @param qtype       question type, or -1
 * @param qclass      question class, or -1
 * @param hasOpt      whether an OPT record is present
 * @param udpSize     the client's advertised UDP payload size, 512 without EDNS
 * @param dnssecOk    the DO bit of the OPT record
 */
public record QueryInfo(Status status, int questionEnd, int qtype, int qclass, boolean hasOpt, int udpSize,
        boolean dnssecOk) {

    /** Why a message is or is not forwarded. */
    public enum Status {
        /** A well-formed query. */
        OK,
        /** Shorter than a header: nothing to answer to. */
        SHORT,
        /** The QR bit is set: a response sent to us. Never answered (no reflection loops). */
        NOT_A_QUERY,
        /** Header readable, but the question or the records after it are not. FORMERR. */
        MALFORMED,
        /** An opcode other than QUERY. NOTIMP. */
        UNSUPPORTED_OPCODE
    }

    private static QueryInfo failed(Status status) {
        return new QueryInfo(status, Dns.HEADER_LENGTH, -1, -1, false, 512, false);
    }

    /** Parses the readable bytes of {@code msg} as a query. Does not move indexes or take ownership. */
    public static QueryInfo parse(ByteBuf msg) {
        int start = msg.readerIndex();
        int end = msg.writerIndex();
        if (end - start < Dns.HEADER_LENGTH) {
            return failed(Status.SHORT);
        }
        if (Dns.isResponse(msg)) {
            return failed(Status.NOT_A_QUERY);
        }
        if (Dns.opcode(msg) != 0) {
            return failed(Status.UNSUPPORTED_OPCODE);
        }
        if (Dns.qdcount(msg) != 1) {
            return failed(Status.MALFORMED);
        }
        int nameEnd = Names.skipUncompressed(msg, start + Dns.HEADER_LENGTH, end);
        if (nameEnd == Names.MALFORMED || nameEnd + 4 > end) {
            return failed(Status.MALFORMED);
        }
        int qtype = msg.getUnsignedShort(nameEnd);
        int qclass = msg.getUnsignedShort(nameEnd + 2);
        int questionEnd = nameEnd + 4;

        int records = Dns.ancount(msg) + Dns.nscount(msg);
        int additional = Dns.arcount(msg);
        int i = questionEnd;
        boolean hasOpt = false;
        int udpSize = 512;
        boolean dnssecOk = false;
        for (int r = 0; r < records + additional; r++) {
            int rrNameEnd = Names.skip(msg, i, end);
            if (rrNameEnd == Names.MALFORMED || rrNameEnd + 10 > end) {
                return failed(Status.MALFORMED);
            }
            int type = msg.getUnsignedShort(rrNameEnd);
            int rdLength = msg.getUnsignedShort(rrNameEnd + 8);
            int next = rrNameEnd + 10 + rdLength;
            if (next > end) {
                return failed(Status.MALFORMED);
            }
            if (type == Dns.TYPE_OPT) {
                if (hasOpt || r < records || rrNameEnd != i + 1) {
                    return failed(Status.MALFORMED); // two OPTs, OPT outside additional, or OPT not at the root
                }
                hasOpt = true;
                udpSize = Math.max(512, msg.getUnsignedShort(rrNameEnd + 2));
                dnssecOk = (msg.getUnsignedShort(rrNameEnd + 6) & 0x8000) != 0;
            }
            i = next;
        }
        if (i != end) {
            return failed(Status.MALFORMED); // trailing garbage
        }
        return new QueryInfo(Status.OK, questionEnd - start, qtype, qclass, hasOpt, udpSize, dnssecOk);
    }

    /** The question name as text, for logs. */
    public String name(ByteBuf msg) {
        return Names.toText(msg, msg.readerIndex() + Dns.HEADER_LENGTH, msg.readerIndex() + questionEnd);
    }
}
