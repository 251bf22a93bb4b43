package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/** TTLs of a message read in place: what an HTTP cache may keep a DoH answer for (RFC 8484 section 5.1). */
public final class Ttls {
    /** No record to take a TTL from, or a message that cannot be walked. */
    public static final long NONE = -1;
    private static final int TYPE_SOA = 6;

    private Ttls() {
    }

    /**
     * The smallest TTL of the records in the answer, authority and additional sections of {@code m} (its readable
     * bytes), leaving out the OPT record; an SOA in the authority section counts for no more than its MINIMUM
     * (RFC 2308), as a negative answer may be kept that long. {@link #NONE} when there is no such record or the
     * message is malformed. Does not move the indexes or take ownership.
     */
    public static long min(ByteBuf m) {
        int start = m.readerIndex();
        int end = m.writerIndex();
        if (end - start < Dns.HEADER_LENGTH) {
            return NONE;
        }
        int i = start + Dns.HEADER_LENGTH;
        for (int q = Dns.qdcount(m); q > 0; q--) {
            i = Names.skip(m, i, end);
            if (i == Names.MALFORMED || i + 4 > end) {
                return NONE;
            }
            i += 4;
        }
        int answers = Dns.ancount(m);
        int authorityEnd = answers + Dns.nscount(m);
        int total = authorityEnd + Dns.arcount(m);
        long min = Long.MAX_VALUE;
        for (int r = 0; r < total; r++) {
            int nameEnd = Names.skip(m, i, end);
            if (nameEnd == Names.MALFORMED || nameEnd + 10 > end) {
                return NONE;
            }
            int type = m.getUnsignedShort(nameEnd);
            int rdStart = nameEnd + 10;
            int rdEnd = rdStart + m.getUnsignedShort(nameEnd + 8);
            if (rdEnd > end) {
                return NONE;
            }
            if (type != Dns.TYPE_OPT) {
                long ttl = Math.max(0, m.getInt(nameEnd + 4)); // RFC 2181 section 8: top bit set reads as 0
                if (type == TYPE_SOA && r >= answers && r < authorityEnd && rdEnd - rdStart >= 22) {
                    ttl = Math.min(ttl, Math.max(0, m.getInt(rdEnd - 4)));
                }
                min = Math.min(min, ttl);
            }
            i = rdEnd;
        }
        return min == Long.MAX_VALUE ? NONE : min;
    }
}
