package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/**
 * Constants and header accessors for a DNS message held in a {@link ByteBuf}, read in place at the buffer's
 * {@code readerIndex()}. Nothing here takes ownership of a buffer or changes its indexes.
 */
public final class Dns {
    public static final int HEADER_LENGTH = 12;
    public static final int MAX_MESSAGE = 65535;
    public static final int TYPE_SOA = 6;
    public static final int TYPE_OPT = 41;

    public static final int RCODE_NOERROR = 0;
    public static final int RCODE_FORMERR = 1;
    public static final int RCODE_SERVFAIL = 2;
    public static final int RCODE_NXDOMAIN = 3;
    public static final int RCODE_NOTIMP = 4;
    public static final int RCODE_REFUSED = 5;

    public static final int FLAG_QR = 0x8000;
    public static final int FLAG_AA = 0x0400;
    public static final int FLAG_TC = 0x0200;
    public static final int FLAG_RD = 0x0100;
    public static final int FLAG_RA = 0x0080;
    public static final int FLAG_AD = 0x0020;
    public static final int FLAG_CD = 0x0010;

    /** The UDP payload size we advertise in OPT records we write (the DNS flag day 2020 value). */
    public static final int OUR_UDP_SIZE = 1232;

    private Dns() {
    }

    public static int id(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex());
    }

    public static void setId(ByteBuf m, int id) {
        m.setShort(m.readerIndex(), id);
    }

    public static int flags(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 2);
    }

    public static boolean isResponse(ByteBuf m) {
        return (flags(m) & FLAG_QR) != 0;
    }

    public static int opcode(ByteBuf m) {
        return (flags(m) >>> 11) & 0xF;
    }

    public static int rcode(ByteBuf m) {
        return flags(m) & 0xF;
    }

    public static boolean isTruncated(ByteBuf m) {
        return (flags(m) & FLAG_TC) != 0;
    }

    public static int qdcount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 4);
    }

    public static int ancount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 6);
    }

    public static int nscount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 8);
    }

    public static int arcount(ByteBuf m) {
        return m.getUnsignedShort(m.readerIndex() + 10);
    }

    public static void setArcount(ByteBuf m, int count) {
        m.setShort(m.readerIndex() + 10, count);
    }

    public static String rcodeName(int rcode) {
        switch (rcode) {
            case RCODE_NOERROR: return "NOERROR";
            case RCODE_FORMERR: return "FORMERR";
            case RCODE_SERVFAIL: return "SERVFAIL";
            case RCODE_NXDOMAIN: return "NXDOMAIN";
            case RCODE_NOTIMP: return "NOTIMP";
            case RCODE_REFUSED: return "REFUSED";
            default: return "RCODE" + rcode;
        }
    }
}
