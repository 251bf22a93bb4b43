package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/**
 * The one walk over the entries of a DNS message held in a {@link ByteBuf}: each question, then each record of the
 * answer, authority and additional sections, as the header counts them. Every walker of the gateway
 * ({@link QueryInfo#parse}, {@link EdnsOptions#findOpt}, {@link AnswerTtls#of} and through them the cache and
 * {@link Padding}) reads messages through it, so they agree on what a readable message is.
 *
 * <p>{@link #next()} validates the entry it steps onto, with a constant amount of work beyond reading it:
 * <ul>
 *   <li>the owner name: labels of at most 63 bytes, at most 255 bytes written out in the message, and a compression
 *       pointer (which ends the name; it is not followed) must point backwards, to the first byte of the message
 *       after the header at the earliest and before the name it ends (RFC 1035 4.1.4: a pointer goes to a prior
 *       occurrence). That refuses pointers into the header, to themselves and forwards, the loops a forged
 *       message builds from owner names. Targets are not followed (nothing in the gateway decodes a compressed
 *       name), so a backward pointer into the middle of other data is not caught here;</li>
 *   <li>the fixed part (type, class; for records TTL and RDLENGTH) and the RDATA lie inside the message: a
 *       record that runs past the end, or a count that claims more entries than there are bytes, is malformed;</li>
 *   <li>an OPT record (RFC 6891 6.1.1) stands in the additional section, at most once, with the root as owner.</li>
 * </ul>
 * Bytes after the last counted entry are not an error of the walk: {@link #atEnd()} tells, and the caller decides.
 *
 * <p>A cursor is a small mutable object confined to the method that walks: allocate it there and never let it
 * escape, and C2's escape analysis keeps it in registers (measured with a loop reading
 * {@code ThreadMXBean.getThreadAllocatedBytes}: once compiled, {@link EdnsOptions#findOpt} and
 * {@link AnswerTtls#min(ByteBuf)} allocate nothing and {@link QueryInfo#parse} only its result). Nothing is
 * allocated per entry either. It borrows the buffer: it never moves its indexes and never releases it. All offsets it
 * returns are absolute buffer indexes.
 */
public final class RecordCursor {
    /** {@link #section()} of a question. */
    public static final int QUESTION = 0;
    /** {@link #section()} of an answer record. */
    public static final int ANSWER = 1;
    /** {@link #section()} of an authority record. */
    public static final int AUTHORITY = 2;
    /** {@link #section()} of an additional record. */
    public static final int ADDITIONAL = 3;

    /** Offset of the TTL field from the end of the owner name (after TYPE and CLASS). */
    private static final int TTL_AT = 4;
    /** TYPE, CLASS, TTL, RDLENGTH. */
    private static final int RECORD_FIXED = 10;
    /** SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM after an SOA's two names. */
    private static final int SOA_FIXED = 20;

    private final ByteBuf m;
    private final int start;
    private final int end;
    /** Entries in the message and where the sections change, counted from 0 over all of them. */
    private final int total;
    private final int answersFrom;
    private final int authorityFrom;
    private final int additionalFrom;
    private int index = -1;
    private int pos;
    private boolean malformed;
    private boolean sawOpt;

    private int nameStart;
    private int nameEnd;
    private int type;

    /**
     * A cursor before the first entry of the readable bytes of {@code m}. A message shorter than a header has no
     * entries and is {@link #malformed()} at once.
     */
    public RecordCursor(ByteBuf m) {
        this.m = m;
        this.start = m.readerIndex();
        this.end = m.writerIndex();
        if (end - start < Dns.HEADER_LENGTH) {
            malformed = true;
            answersFrom = authorityFrom = additionalFrom = total = 0;
            pos = end;
            return;
        }
        int qdAn = m.getInt(start + 4); // two reads for the four counts: each buffer access checks bounds
        int nsAr = m.getInt(start + 8);
        answersFrom = qdAn >>> 16;
        authorityFrom = answersFrom + (qdAn & 0xFFFF);
        additionalFrom = authorityFrom + (nsAr >>> 16);
        total = additionalFrom + (nsAr & 0xFFFF);
        pos = start + Dns.HEADER_LENGTH;
    }

    /**
     * Steps onto the next entry and validates it. Returns false after the last counted entry, and once the message
     * is {@link #malformed()} (it stays so): then the accessors describe nothing.
     */
    public boolean next() {
        if (malformed || index + 1 >= total) {
            return false;
        }
        index++;
        int at = pos;
        int afterName = Names.skip(m, at, end, start);
        if (afterName < 0) {
            return fail();
        }
        int after;
        if (index < answersFrom) {
            after = afterName + 4;
            if (after > end) {
                return fail();
            }
            type = m.getUnsignedShort(afterName);
        } else {
            if (afterName + RECORD_FIXED > end) {
                return fail();
            }
            type = m.getUnsignedShort(afterName);
            after = afterName + RECORD_FIXED + m.getUnsignedShort(afterName + 8);
            if (after > end) {
                return fail();
            }
            if (type == Dns.TYPE_OPT) {
                if (sawOpt || index < additionalFrom || afterName != at + 1) {
                    return fail(); // a second OPT, an OPT outside the additional section, or not owned by the root
                }
                sawOpt = true;
            }
        }
        nameStart = at;
        nameEnd = afterName;
        pos = after;
        return true;
    }

    private boolean fail() {
        malformed = true;
        return false;
    }

    /** Whether the message could not be walked: short, or an entry that failed its checks. */
    public boolean malformed() {
        return malformed;
    }

    /**
     * Whether the walk has reached the last counted entry with no bytes left after it. Walkers that refuse trailing
     * bytes (queries, answers to be cached) check it once {@link #next()} has returned false.
     */
    public boolean atEnd() {
        return !malformed && index + 1 >= total && pos == end;
    }

    /** The absolute index where the message starts (the buffer's reader index). */
    public int messageStart() {
        return start;
    }

    /** {@link #QUESTION}, {@link #ANSWER}, {@link #AUTHORITY} or {@link #ADDITIONAL}. */
    public int section() {
        return index < answersFrom ? QUESTION : index < authorityFrom ? ANSWER
                : index < additionalFrom ? AUTHORITY : ADDITIONAL;
    }

    /** The absolute index of the owner name's first byte. */
    public int nameStart() {
        return nameStart;
    }

    /** The absolute index just past the owner name as written (a pointer counts its two bytes). */
    public int nameEnd() {
        return nameEnd;
    }

    public int type() {
        return type;
    }

    /** The CLASS field (for an OPT record, the requester's UDP payload size). */
    public int dnsClass() {
        return m.getUnsignedShort(nameEnd + 2);
    }

    /** The absolute index of the TTL field of a record (for an OPT record, the extended RCODE and flags). */
    public int ttlOffset() {
        return nameEnd + TTL_AT;
    }

    /** The TTL of a record: RFC 2181 section 8 reads a value with the most significant bit set as 0. */
    public long ttl() {
        int raw = m.getInt(nameEnd + TTL_AT);
        return raw < 0 ? 0 : raw;
    }

    /** The absolute index of the RDATA's first byte (of a question: just past it). */
    public int rdataStart() {
        return nameEnd + (index < answersFrom ? 4 : RECORD_FIXED);
    }

    /** The absolute index just past the RDATA. */
    public int rdataEnd() {
        return pos;
    }

    /**
     * The MINIMUM field of the current SOA record, read as a TTL (RFC 2181 section 8), or -1 when its RDATA is not
     * two names and 20 bytes exactly. RFC 2308 section 5: a negative answer lives min(SOA TTL, MINIMUM).
     */
    public long soaMinimum() {
        int rdStart = rdataStart();
        int rdEnd = pos;
        int mnameEnd = Names.skip(m, rdStart, rdEnd, start);
        if (mnameEnd < 0) {
            return -1;
        }
        int rnameEnd = Names.skip(m, mnameEnd, rdEnd, start);
        if (rnameEnd < 0 || rnameEnd + SOA_FIXED != rdEnd) {
            return -1;
        }
        int raw = m.getInt(rdEnd - 4);
        return raw < 0 ? 0 : raw;
    }
}
