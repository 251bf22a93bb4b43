package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * What a stored or forwarded answer needs to know about its lifetime, computed by one walk ({@link #of}) that the
 * cache (where to patch TTLs, how long to keep the answer) and DoH (the {@code Cache-Control: max-age} of RFC 8484
 * section 5.1) both use, so that they cannot disagree:
 * <ul>
 *   <li>where the TTL field of every record in the answer, authority and additional sections is, leaving out the
 *       OPT record (whose TTL field carries EDNS flags);</li>
 *   <li>the TTL each record counts for: RFC 2181 section 8 reads a value with the top bit set as 0, and an SOA in
 *       the authority section counts for min(its TTL, its MINIMUM) (RFC 2308 section 5, the negative TTL);</li>
 *   <li>the smallest of them, and the negative TTL alone.</li>
 * </ul>
 * An answer the {@link RecordCursor} cannot walk to its last byte (records past the end, a bad pointer, trailing
 * bytes), or whose authority SOA is not two names and 20 bytes, is {@link #readable() unreadable}. Immutable.
 */
public final class AnswerTtls {
    /** {@link #min()} without records, {@link #negativeTtl()} without an SOA in the authority section. */
    public static final long NONE = -1;
    /** Smallest record: root name (1), type, class, TTL, RDLENGTH (10). */
    private static final int MIN_RECORD = 11;
    private static final AnswerTtls UNREADABLE = new AnswerTtls(false, new int[0], new long[0], NONE, NONE, false);

    private final boolean readable;
    private final int[] offsets;
    private final long[] ttls;
    private final long min;
    private final long negativeTtl;
    private final boolean hasOpt;

    private AnswerTtls(boolean readable, int[] offsets, long[] ttls, long min, long negativeTtl, boolean hasOpt) {
        this.readable = readable;
        this.offsets = offsets;
        this.ttls = ttls;
        this.min = min;
        this.negativeTtl = negativeTtl;
        this.hasOpt = hasOpt;
    }

    /**
     * Walks the readable bytes of {@code m} once. Borrows the buffer: does not move its indexes or take ownership.
     * Allocates this object and its two arrays, nothing per record.
     */
    public static AnswerTtls of(ByteBuf m) {
        int length = m.readableBytes();
        if (length < Dns.HEADER_LENGTH) {
            return UNREADABLE;
        }
        int records = Dns.ancount(m) + Dns.nscount(m) + Dns.arcount(m);
        if (records > (length - Dns.HEADER_LENGTH) / MIN_RECORD) {
            return UNREADABLE; // counts that cannot fit: also bounds the arrays below
        }
        int[] offsets = new int[records];
        long[] ttls = new long[records];
        int count = 0;
        long min = Long.MAX_VALUE;
        long negative = Long.MAX_VALUE;
        boolean hasOpt = false;
        RecordCursor c = new RecordCursor(m);
        while (c.next()) {
            int section = c.section();
            if (section == RecordCursor.QUESTION) {
                continue;
            }
            if (c.type() == Dns.TYPE_OPT) {
                hasOpt = true;
                continue;
            }
            long ttl = c.ttl();
            if (c.type() == RecordCursor.TYPE_SOA && section == RecordCursor.AUTHORITY) {
                long minimum = c.soaMinimum();
                if (minimum < 0) {
                    return UNREADABLE;
                }
                ttl = Math.min(ttl, minimum);
                negative = Math.min(negative, ttl);
            }
            offsets[count] = c.ttlOffset() - c.messageStart();
            ttls[count] = ttl;
            count++;
            min = Math.min(min, ttl);
        }
        if (!c.atEnd()) {
            return UNREADABLE;
        }
        if (count < records) {
            offsets = Arrays.copyOf(offsets, count);
            ttls = Arrays.copyOf(ttls, count);
        }
        return new AnswerTtls(true, offsets, ttls, min == Long.MAX_VALUE ? NONE : min,
                negative == Long.MAX_VALUE ? NONE : negative, hasOpt);
    }

    /** Whether the answer could be walked; when not, it has no records here and every TTL is {@link #NONE}. */
    public boolean readable() {
        return readable;
    }

    /** How many records (OPT left out) the answer, authority and additional sections hold. */
    public int count() {
        return offsets.length;
    }

    /** The offset of record {@code k}'s TTL field from the message's first byte. */
    public int offset(int k) {
        return offsets[k];
    }

    /**
     * The offsets of all the TTL fields, in record order. The array is this object's: keep it, but do not modify
     * it (the cache keeps it with the stored answer instead of copying it).
     */
    public int[] offsets() {
        return offsets;
    }

    /** The TTL record {@code k} counts for (see the class comment). */
    public long ttl(int k) {
        return ttls[k];
    }

    /** The smallest TTL of the records, or {@link #NONE} when there are none (or the answer is unreadable). */
    public long min() {
        return min;
    }

    /**
     * The negative TTL of RFC 2308 section 5: the smallest min(SOA TTL, SOA MINIMUM) of the authority section's
     * SOA records, or {@link #NONE} without one.
     */
    public long negativeTtl() {
        return negativeTtl;
    }

    /** Whether the additional section holds an OPT record. */
    public boolean hasOpt() {
        return hasOpt;
    }
}
