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
 * @param optOffset   offset, relative to the message start, of the OPT record's first byte; -1 without one
 * @param padding     whether the OPT record carries a Padding option (RFC 7830): the client pads, so do we
 *                    (answers over encrypted transports only)
 * @param keepalive   whether the OPT record carries an edns-tcp-keepalive option (RFC 7828)
 */
public record QueryInfo(Status status, int questionEnd, int qtype, int qclass, boolean hasOpt, int udpSize,
        boolean dnssecOk, int optOffset, boolean padding, boolean keepalive) {

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
        return new QueryInfo(status, Dns.HEADER_LENGTH, -1, -1, false, 512, false, -1, false, false);
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
        int optOffset = -1;
        int options = 0;
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
                optOffset = i - start;
                options = EdnsOptions.hopByHop(msg, rrNameEnd + 10, next);
                if (options == EdnsOptions.MALFORMED) {
                    return failed(Status.MALFORMED); // an option runs past the record (RFC 6891 6.1.2: FORMERR)
                }
            }
            i = next;
        }
        if (i != end) {
            return failed(Status.MALFORMED); // trailing garbage
        }
        return new QueryInfo(Status.OK, questionEnd - start, qtype, qclass, hasOpt, udpSize, dnssecOk, optOffset,
                (options & EdnsOptions.HAS_PADDING) != 0, (options & EdnsOptions.HAS_KEEPALIVE) != 0);
    }

    /** The question name as text, for logs. */
    public String name(ByteBuf msg) {
        return Names.toText(msg, msg.readerIndex() + Dns.HEADER_LENGTH, msg.readerIndex() + questionEnd);
    }
}
