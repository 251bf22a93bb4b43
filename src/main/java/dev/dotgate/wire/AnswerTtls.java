package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * What a stored or forwarded answer needs to know about its lifetime, computed by one walk ({@link #of}; without
 * the offsets, {@link #min(ByteBuf)}) that the cache (where to patch TTLs, how long to keep the answer) and DoH (the
 * {@code Cache-Control: max-age} of RFC 8484 section 5.1) both use, so that they cannot disagree:
 * <ul>
 *   <li>where the TTL field of every record in the answer, authority and additional sections is, leaving out the
 *       OPT record (whose TTL field carries EDNS flags);</li>
 *   <li>the TTL each record counts for: RFC 2181 section 8 reads a value with the top bit set as 0, and an SOA in
 *       the authority section counts for min(its TTL, its MINIMUM) (RFC 2308 section 5, the negative TTL);</li>
 *   <li>the smallest of them, and the negative TTL alone.</li>
 * </ul>
 * An answer the {@link RecordCursor} cannot walk to its last byte (records past the end, a bad pointer, trailing
 * bytes), or whose authority SOA is not two names and 20 bytes, is {@link #readable() unreadable}. Immutable once
 * {@link #of} has returned it.
 */
public final class AnswerTtls {
    /** {@link #min()} without records, {@link #negativeTtl()} without an SOA in the authority section. */
    public static final long NONE = -1;
    /** Smallest record: root name (1), type, class, TTL, RDLENGTH (10). */
    private static final int MIN_RECORD = 11;
    /** What {@link #walk} returns for an answer it cannot read. */
    private static final long UNREADABLE_WALK = Long.MIN_VALUE;
    private static final AnswerTtls UNREADABLE = new AnswerTtls(new int[0], new long[0]);

    // Written only by of() before the object is handed out, never after: effectively immutable.
    private boolean readable;
    private int[] offsets;
    private long[] ttls;
    private int count;
    private long min = NONE;
    private long negativeTtl = NONE;
    private boolean hasOpt;

    private AnswerTtls(int[] offsets, long[] ttls) {
        this.offsets = offsets;
        this.ttls = ttls;
    }

    /**
     * Walks the readable bytes of {@code m} once. Borrows the buffer: does not move its indexes or take ownership.
     * Allocates this object and its two arrays, nothing per record.
     */
    public static AnswerTtls of(ByteBuf m) {
        int records = m.readableBytes() < Dns.HEADER_LENGTH ? 0 : Dns.ancount(m) + Dns.nscount(m) + Dns.arcount(m);
        if (records > (m.readableBytes() - Dns.HEADER_LENGTH) / MIN_RECORD) {
            return UNREADABLE; // counts that cannot fit (or no header): also bounds the arrays below
        }
        AnswerTtls t = new AnswerTtls(new int[records], new long[records]);
        long min = walk(m, t);
        if (min == UNREADABLE_WALK) {
            return UNREADABLE;
        }
        t.readable = true;
        t.min = min;
        if (t.count < records) {
            t.offsets = Arrays.copyOf(t.offsets, t.count);
            t.ttls = Arrays.copyOf(t.ttls, t.count);
        }
        return t;
    }

    /**
     * {@link #min()} of {@link #of(ByteBuf) of(m)}, by the same walk, without keeping the offsets: what DoH needs of
     * an answer that did not come through the cache. Allocates nothing.
     */
    public static long min(ByteBuf m) {
        long min = walk(m, null);
        return min == UNREADABLE_WALK ? NONE : min;
    }

    /**
     * The one walk behind {@link #of} and {@link #min(ByteBuf)}: returns the smallest TTL ({@link #NONE} without
     * records) or {@link #UNREADABLE_WALK}, and when {@code into} is given records in it each TTL's offset and
     * value, their count, the negative TTL and whether there is an OPT record.
     */
    private static long walk(ByteBuf m, AnswerTtls into) {
        long min = Long.MAX_VALUE;
        RecordCursor c = new RecordCursor(m);
        while (c.next()) {
            int section = c.section();
            if (section == RecordCursor.QUESTION) {
                continue;
            }
            if (c.type() == Dns.TYPE_OPT) {
                if (into != null) {
                    into.hasOpt = true;
                }
                continue;
            }
            long ttl = c.ttl();
            if (c.type() == Dns.TYPE_SOA && section == RecordCursor.AUTHORITY) {
                long minimum = c.soaMinimum();
                if (minimum < 0) {
                    return UNREADABLE_WALK;
                }
                ttl = Math.min(ttl, minimum);
                if (into != null && (into.negativeTtl == NONE || ttl < into.negativeTtl)) {
                    into.negativeTtl = ttl;
                }
            }
            if (into != null) {
                into.offsets[into.count] = c.ttlOffset() - c.messageStart();
                into.ttls[into.count] = ttl;
                into.count++;
            }
            min = Math.min(min, ttl);
        }
        if (!c.atEnd()) {
            return UNREADABLE_WALK;
        }
        return min == Long.MAX_VALUE ? NONE : min;
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
