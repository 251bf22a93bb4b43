package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/**
 * The two hop-by-hop EDNS(0) options: Padding (RFC 7830, code 12) and edns-tcp-keepalive (RFC 7828, code 11). They
 * describe one connection, so the gateway never passes them through: it takes them out of upstream answers before
 * anything else sees them (the cache, clients) and writes its own where a transport calls for them.
 *
 * <p>Works on the message in its buffer: locating the OPT record walks the records once with a {@link RecordCursor}.
 * Nothing here takes ownership of a buffer.
 */
public final class EdnsOptions {
    public static final int KEEPALIVE = 11;
    public static final int PADDING = 12;
    /** EDNS Client Subnet (RFC 7871): not hop-by-hop, but stripped from upstream copies unless configured. */
    public static final int CLIENT_SUBNET = 8;
    /** DNS Cookie (RFC 7873): a client cookie is for one client-server pair, never passed upstream. */
    public static final int COOKIE = 10;

    /** Returned by {@link #findOpt} when the message has no OPT record. */
    public static final int NONE = -1;
    /** Returned by {@link #findOpt} and {@link #hopByHop} when the records or options cannot be read. */
    public static final int MALFORMED = -2;

    /** A keepalive value meaning "no keepalive option". */
    public static final int NO_KEEPALIVE = -1;
    /** A keepalive value meaning "an option without a timeout" (how a client asks, RFC 7828 3.2.1). */
    public static final int KEEPALIVE_ASK = -2;

    /** Bit of {@link #hopByHop}: a Padding option is present. */
    public static final int HAS_PADDING = 1;
    /** Bit of {@link #hopByHop}: an edns-tcp-keepalive option is present. */
    public static final int HAS_KEEPALIVE = 2;

    /** Root name, type, class, TTL, RDLENGTH. */
    static final int OPT_HEADER = 11;

    private EdnsOptions() {
    }

    /**
     * The index just past the option that starts at {@code i} of OPT RDATA ending at {@code rdEnd}, or
     * {@link #MALFORMED} when its code, length or data run past the record (RFC 6891 6.1.2). The one validating
     * step of every walk over the options.
     */
    static int optionEnd(ByteBuf m, int i, int rdEnd) {
        if (i + 4 > rdEnd) {
            return MALFORMED;
        }
        int next = i + 4 + m.getUnsignedShort(i + 2);
        return next > rdEnd ? MALFORMED : next;
    }

    /**
     * Which hop-by-hop options the OPT RDATA spanning [{@code rdStart}, {@code rdEnd}) carries ({@link #HAS_PADDING},
     * {@link #HAS_KEEPALIVE}), or {@link #MALFORMED} when an option runs past the end.
     */
    static int hopByHop(ByteBuf m, int rdStart, int rdEnd) {
        int found = 0;
        for (int i = rdStart, next; i < rdEnd; i = next) {
            next = optionEnd(m, i, rdEnd);
            if (next == MALFORMED) {
                return MALFORMED;
            }
            int code = m.getUnsignedShort(i);
            found |= code == PADDING ? HAS_PADDING : code == KEEPALIVE ? HAS_KEEPALIVE : 0;
        }
        return found;
    }

    /**
     * The absolute index of the first byte of the OPT record in the readable bytes of {@code m}, {@link #NONE}, or
     * {@link #MALFORMED} when the records cannot be walked or the OPT record is not a root-named additional record.
     */
    public static int findOpt(ByteBuf m) {
        if (m.readableBytes() >= Dns.HEADER_LENGTH && Dns.arcount(m) == 0) {
            return NONE;
        }
        RecordCursor c = new RecordCursor(m);
        int found = NONE;
        while (c.next()) {
            if (c.type() == Dns.TYPE_OPT) { // the cursor lets at most one through, and only where it may stand
                found = c.nameStart();
            }
        }
        return c.malformed() ? MALFORMED : found;
    }

    /**
     * Takes the Padding and edns-tcp-keepalive options out of the message in {@code m}, in place (later bytes move
     * down, the writer index drops), or the whole OPT record with {@code dropOpt} (for a client that sent none: the
     * gateway added it on the way upstream). Returns the keepalive timeout the message carried, in units of 100 ms,
     * or {@link #NO_KEEPALIVE}. A message without an OPT record, or one that cannot be read, is left as it is.
     */
    public static int stripHopByHop(ByteBuf m, boolean dropOpt) {
        if (m.readableBytes() < Dns.HEADER_LENGTH || Dns.arcount(m) == 0) {
            return NO_KEEPALIVE;
        }
        int optAt = findOpt(m);
        if (optAt < 0) {
            return NO_KEEPALIVE;
        }
        int rdStart = optAt + OPT_HEADER;
        int rdEnd = rdStart + m.getUnsignedShort(optAt + OPT_HEADER - 2);
        int found = hopByHop(m, rdStart, rdEnd);
        int keepalive = (found > 0 && (found & HAS_KEEPALIVE) != 0) ? keepalive(m, rdStart, rdEnd) : NO_KEEPALIVE;
        if (dropOpt) {
            remove(m, optAt, rdEnd);
            Dns.setArcount(m, Dns.arcount(m) - 1);
        } else if (found > 0) {
            int w = rdStart;
            int i = rdStart;
            while (i < rdEnd) {
                int code = m.getUnsignedShort(i);
                int size = 4 + m.getUnsignedShort(i + 2);
                if (code != PADDING && code != KEEPALIVE) {
                    move(m, i, w, size);
                    w += size;
                }
                i += size;
            }
            m.setShort(optAt + OPT_HEADER - 2, w - rdStart);
            remove(m, w, rdEnd);
        }
        return keepalive;
    }

    /**
     * The absolute index of the first option {@code code} (its 2-byte code) in the OPT record at absolute index
     * {@code optAt} of {@code m}, or {@link #NONE}; {@link #MALFORMED} when an option runs past the record.
     */
    public static int findOption(ByteBuf m, int optAt, int code) {
        int rdStart = optAt + OPT_HEADER;
        int rdEnd = rdStart + m.getUnsignedShort(optAt + OPT_HEADER - 2);
        for (int i = rdStart, next; i < rdEnd; i = next) {
            next = optionEnd(m, i, rdEnd);
            if (next == MALFORMED) {
                return MALFORMED;
            }
            if (m.getUnsignedShort(i) == code) {
                return i;
            }
        }
        return NONE;
    }

    /** The TIMEOUT of the first keepalive option with one, or {@link #NO_KEEPALIVE}. Options are well-formed. */
    private static int keepalive(ByteBuf m, int rdStart, int rdEnd) {
        for (int i = rdStart; i < rdEnd; i += 4 + m.getUnsignedShort(i + 2)) {
            if (m.getUnsignedShort(i) == KEEPALIVE && m.getUnsignedShort(i + 2) == 2) {
                return m.getUnsignedShort(i + 4);
            }
        }
        return NO_KEEPALIVE;
    }

    /** Removes the bytes [{@code from}, {@code to}) of the message, moving what follows down. */
    private static void remove(ByteBuf m, int from, int to) {
        int end = m.writerIndex();
        move(m, to, from, end - to);
        m.writerIndex(end - (to - from));
    }

    /**
     * Copies {@code length} bytes from {@code src} down to {@code dst <= src} within the same buffer. Front to back,
     * so overlapping ranges are safe (every byte is read before anything overwrites it).
     */
    private static void move(ByteBuf m, int src, int dst, int length) {
        if (src == dst || length == 0) {
            return;
        }
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            m.setLong(dst + i, m.getLong(src + i));
        }
        for (; i < length; i++) {
            m.setByte(dst + i, m.getByte(src + i));
        }
    }
}
