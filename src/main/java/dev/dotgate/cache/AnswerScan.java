package dev.dotgate.cache;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Names;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * One pass over an upstream answer, read in place: whether it may be cached, and where its TTL fields are. Records
 * the offset (from the message start) and TTL of every record in the answer, authority and additional sections
 * except the OPT record, whose TTL field carries EDNS flags. Compressed names are skipped, never followed. Does not
 * move the buffer's indexes or take ownership of it.
 */
final class AnswerScan {
    private static final int TYPE_SOA = 6;
    /** Smallest record: root name (1), type, class, TTL, RDLENGTH (10). */
    private static final int MIN_RECORD = 11;

    /** Why the answer may not be cached; null when it may. */
    final PutResult problem;
    /** NXDOMAIN, or NOERROR without answers. */
    final boolean negative;
    /** Whether the authority section has an SOA (which makes a negative answer cacheable). */
    final boolean hasSoa;
    /** Offsets of the TTL fields. */
    final int[] ttlOffsets;
    /**
     * The TTL of each record, as it should count: RFC 2181 section 8 reads a value with the top bit set as 0, and an
     * SOA in the authority section counts for no more than its MINIMUM field (RFC 2308 section 5).
     */
    final long[] ttls;
    /** The smallest of {@link #ttls}; {@link Long#MAX_VALUE} when there are no records. */
    final long minTtl;

    private AnswerScan(PutResult problem, boolean negative, boolean hasSoa, int[] ttlOffsets, long[] ttls,
            long minTtl) {
        this.problem = problem;
        this.negative = negative;
        this.hasSoa = hasSoa;
        this.ttlOffsets = ttlOffsets;
        this.ttls = ttls;
        this.minTtl = minTtl;
    }

    private static AnswerScan rejected(PutResult problem) {
        return new AnswerScan(problem, false, false, null, null, 0);
    }

    /** Scans the readable bytes of {@code m} as the answer to the question of {@code key}. */
    static AnswerScan of(ByteBuf m, CacheKey key) {
        int start = m.readerIndex();
        int end = m.writerIndex();
        if (end - start < Dns.HEADER_LENGTH || !Dns.isResponse(m) || Dns.opcode(m) != 0 || Dns.qdcount(m) != 1) {
            return rejected(PutResult.MALFORMED);
        }
        if (Dns.isTruncated(m)) {
            return rejected(PutResult.TRUNCATED);
        }
        int rcode = Dns.rcode(m);
        switch (rcode) {
            case Dns.RCODE_NOERROR, Dns.RCODE_NXDOMAIN -> { }
            case Dns.RCODE_SERVFAIL -> {
                return rejected(PutResult.SERVFAIL);
            }
            case Dns.RCODE_REFUSED -> {
                return rejected(PutResult.REFUSED);
            }
            case Dns.RCODE_FORMERR -> {
                return rejected(PutResult.FORMERR);
            }
            default -> {
                return rejected(PutResult.OTHER_RCODE);
            }
        }
        int questionEnd = key.matchQuestion(m, start + Dns.HEADER_LENGTH, end);
        if (questionEnd == Names.MALFORMED) {
            int nameEnd = Names.skipUncompressed(m, start + Dns.HEADER_LENGTH, end);
            return nameEnd == Names.MALFORMED || nameEnd + 4 > end
                    ? rejected(PutResult.MALFORMED) : rejected(PutResult.QUESTION_MISMATCH);
        }
        int answers = Dns.ancount(m);
        int authorityEnd = answers + Dns.nscount(m);
        int total = authorityEnd + Dns.arcount(m);
        if (total > (end - questionEnd) / MIN_RECORD) {
            return rejected(PutResult.MALFORMED); // counts that cannot fit: also bounds the arrays below
        }
        int[] offsets = new int[total];
        long[] ttls = new long[total];
        int count = 0;
        long minTtl = Long.MAX_VALUE;
        boolean hasSoa = false;
        boolean hasOpt = false;
        int i = questionEnd;
        for (int r = 0; r < total; r++) {
            int nameEnd = Names.skip(m, i, end);
            if (nameEnd == Names.MALFORMED || nameEnd + 10 > end) {
                return rejected(PutResult.MALFORMED);
            }
            int type = m.getUnsignedShort(nameEnd);
            int rdStart = nameEnd + 10;
            int rdEnd = rdStart + m.getUnsignedShort(nameEnd + 8);
            if (rdEnd > end) {
                return rejected(PutResult.MALFORMED);
            }
            if (type == Dns.TYPE_OPT) {
                if (hasOpt || r < authorityEnd) {
                    return rejected(PutResult.MALFORMED);
                }
                hasOpt = true;
            } else {
                long ttl = ttl(m, nameEnd + 4);
                if (type == TYPE_SOA && r >= answers && r < authorityEnd) {
                    long minimum = soaMinimum(m, rdStart, rdEnd);
                    if (minimum < 0) {
                        return rejected(PutResult.MALFORMED);
                    }
                    hasSoa = true;
                    ttl = Math.min(ttl, minimum);
                }
                offsets[count] = nameEnd + 4 - start;
                ttls[count] = ttl;
                count++;
                minTtl = Math.min(minTtl, ttl);
            }
            i = rdEnd;
        }
        if (i != end) {
            return rejected(PutResult.MALFORMED); // trailing bytes
        }
        if (hasOpt && !key.edns()) {
            return rejected(PutResult.QUESTION_MISMATCH); // would hand an OPT to a client that did not use EDNS
        }
        boolean negative = rcode == Dns.RCODE_NXDOMAIN || answers == 0;
        if (count < total) {
            offsets = Arrays.copyOf(offsets, count);
            ttls = Arrays.copyOf(ttls, count);
        }
        return new AnswerScan(null, negative, hasSoa, offsets, ttls, minTtl);
    }

    /** A TTL field; RFC 2181 section 8: a value with the most significant bit set is taken as zero. */
    private static long ttl(ByteBuf m, int index) {
        int raw = m.getInt(index);
        return raw < 0 ? 0 : raw;
    }

    /** The MINIMUM field of SOA RDATA spanning [{@code rdStart}, {@code rdEnd}), or -1 when unreadable. */
    private static long soaMinimum(ByteBuf m, int rdStart, int rdEnd) {
        int mnameEnd = Names.skip(m, rdStart, rdEnd);
        if (mnameEnd == Names.MALFORMED) {
            return -1;
        }
        int rnameEnd = Names.skip(m, mnameEnd, rdEnd);
        if (rnameEnd == Names.MALFORMED || rnameEnd + 20 != rdEnd) {
            return -1;
        }
        return ttl(m, rdEnd - 4);
    }
}
