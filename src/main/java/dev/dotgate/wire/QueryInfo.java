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
        if (msg.writerIndex() - start < Dns.HEADER_LENGTH) {
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
        RecordCursor c = new RecordCursor(msg);
        if (!c.next()) {
            return failed(Status.MALFORMED); // the question cannot be read (the first name is never compressed)
        }
        int qtype = c.type();
        int qclass = c.dnsClass();
        int questionEnd = c.rdataEnd();
        boolean hasOpt = false;
        int udpSize = 512;
        boolean dnssecOk = false;
        int optOffset = -1;
        int options = 0;
        while (c.next()) {
            if (c.type() == Dns.TYPE_OPT) { // the cursor lets one through, in the additional section, at the root
                hasOpt = true;
                udpSize = Math.max(512, c.dnsClass());
                dnssecOk = (msg.getUnsignedShort(c.ttlOffset() + 2) & 0x8000) != 0;
                optOffset = c.nameStart() - start;
                options = EdnsOptions.hopByHop(msg, c.rdataStart(), c.rdataEnd());
                if (options == EdnsOptions.MALFORMED) {
                    return failed(Status.MALFORMED); // an option runs past the record (RFC 6891 6.1.2: FORMERR)
                }
            }
        }
        if (!c.atEnd()) {
            return failed(Status.MALFORMED); // a record that cannot be read, or trailing garbage
        }
        return new QueryInfo(Status.OK, questionEnd - start, qtype, qclass, hasOpt, udpSize, dnssecOk, optOffset,
                (options & EdnsOptions.HAS_PADDING) != 0, (options & EdnsOptions.HAS_KEEPALIVE) != 0);
    }

    /** The question name as text, for logs. */
    public String name(ByteBuf msg) {
        return Names.toText(msg, msg.readerIndex() + Dns.HEADER_LENGTH, msg.readerIndex() + questionEnd);
    }
}
