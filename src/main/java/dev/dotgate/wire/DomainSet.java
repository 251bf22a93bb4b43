package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;

/**
 * An immutable set of domain names for suffix matching, each with {@link #SELF}/{@link #BELOW} flags and an int
 * tag: block and allow lists ({@code policy}) and forwarding zones (routes) use it, so it lives in {@code wire}, below
 * both. Built to hold millions of names: every entry lives in one byte arena and one open-addressing {@code long[]}
 * table, so there is one object per set, not per name.
 *
 * <p>Arena entry layout: {@code [wire length][flags][tag, 4 bytes big-endian][wire name]}, the name lower-cased in
 * DNS wire form (length-prefixed labels) without the root byte: a {@link NameKey}'s bytes but the last, written by
 * {@link NameKey#encode}. A table slot holds {@code hash << 32 | offset}; 0 is an empty slot (offset 0 is a pad
 * byte, never an entry).
 *
 * <p>Lookups hash every suffix of the query name with one polynomial hash: the hash of the whole name and the
 * running hash of its prefix give each suffix's hash by subtraction, longest suffix first, so the most specific
 * entry is found first and the walk stops there. Nothing is allocated per lookup.
 *
 * <p>The arena layout, the hash and the probing the set and its {@link Builder} share are {@link DomainTable}'s; the
 * name encoding they both use is {@link NameKey}'s.
 */
public final class DomainSet {
    /** The entry matches the name itself. */
    public static final int SELF = 1;
    /** The entry matches every name strictly below it. */
    public static final int BELOW = 2;
    /** Returned by the match methods when no entry matches. */
    public static final int NO_MATCH = -1;

    private static final int P = DomainTable.P;
    private static final int[] POW = DomainTable.POW;

    private static final DomainSet EMPTY = new Builder().build();
    private static final int SCRATCH_SIZE = 256;
    private static final int MAX_WIRE = 255; // a whole name, root byte included
    /** Per-thread copy of the name being matched (on event loop threads a plain field read). */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCRATCH_SIZE];
        }
    };

    private final byte[] arena;
    private final long[] table;
    private final int size;

    private DomainSet(byte[] arena, long[] table, int size) {
        this.arena = arena;
        this.table = table;
        this.size = size;
    }

    public static DomainSet empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of distinct names. */
    public int size() {
        return size;
    }

    /** Bytes held by the arena and the table (array lengths plus a 16-byte header each). */
    public long memoryBytes() {
        return 16L + arena.length + 16L + 8L * table.length;
    }

    /**
     * The tag of the most specific entry matching the uncompressed wire-format name at {@code nameOffset} of
     * {@code msg}: the whole name if it has {@link #SELF}, else the longest proper suffix with {@link #BELOW}; or
     * {@link #NO_MATCH}, also for a malformed name (compression pointer, label over 63, longer than 255 bytes,
     * running past the writer index). ASCII case-insensitive. Does not move indexes, take ownership or allocate:
     * the name is copied with one {@code getBytes} into a per-thread scratch array and matched there (a single
     * buffer access, which matters when a leak detector records accesses).
     */
    public int match(ByteBuf msg, int nameOffset) {
        int end = msg.writerIndex();
        if (size == 0 || nameOffset < 0 || nameOffset >= end) {
            return NO_MATCH;
        }
        int available = Math.min(end - nameOffset, MAX_WIRE);
        byte[] w = SCRATCH.get();
        msg.getBytes(nameOffset, w, 0, available);
        return matchWire(w, available);
    }

    /** Like {@link #match(ByteBuf, int)} for a dotted name (trailing dot optional); for tests and the CLI. */
    public int match(String name) {
        byte[] w = new byte[SCRATCH_SIZE];
        int n = NameKey.encode(name, 0, name.length(), w);
        if (n <= 0 || size == 0) {
            return NO_MATCH;
        }
        w[n] = 0;
        return matchWire(w, n + 1);
    }

    /**
     * Matches the wire name at the start of {@code w}, of which {@code available} bytes are readable. Lower-cases
     * the name in place.
     */
    private int matchWire(byte[] w, int available) {
        // Pass 1: validate, lower-case and hash the whole name (without the root byte).
        int full = 0;
        int i = 0;
        while (true) {
            if (i >= available) {
                return NO_MATCH; // runs past the data, or longer than 255 bytes
            }
            int len = w[i];
            if (len == 0) {
                break;
            }
            if (len < 0 || len > NameKey.MAX_LABEL || i + len >= available) {
                return NO_MATCH;
            }
            full = full * P + len;
            for (int k = i + 1; k <= i + len; k++) {
                byte c = (byte) Names.toLower(w[k]);
                w[k] = c;
                full = full * P + (c & 0xFF);
            }
            i += len + 1;
        }
        int n = i;
        // Pass 2: left to right, each label boundary starts a suffix: hash(suffix) = full - prefix * P^(n - at).
        // Longest first, so the first match is the most specific.
        int prefix = 0;
        int at = 0;
        while (at < n) {
            int h = DomainTable.mix(full - prefix * POW[n - at]);
            long e = table[DomainTable.probe(table, arena, h, w, at, n - at)];
            if (e != 0 && (DomainTable.flagsAt(arena, (int) e) & (at == 0 ? SELF : BELOW)) != 0) {
                return DomainTable.tagAt(arena, (int) e);
            }
            int len = w[at];
            prefix = prefix * P + len;
            for (int k = at + 1; k <= at + len; k++) {
                prefix = prefix * P + (w[k] & 0xFF);
            }
            at += len + 1;
        }
        return NO_MATCH;
    }

    /** Collects names; not thread-safe. {@link #build()} hands the arrays over, so a builder builds once. */
    public static final class Builder {
        private static final double MAX_LOAD = 0.7;

        private byte[] arena = new byte[1 << 12];
        private int used = 1; // offset 0 is a pad: a slot value of 0 means empty
        private long[] table = new long[1 << 8];
        private int size;
        private final byte[] scratch = new byte[256];
        private boolean built;

        private Builder() {
        }

        /**
         * Adds a dotted name (case-folded, one trailing dot allowed) with {@code flags} (a non-empty combination of
         * {@link #SELF} and {@link #BELOW}) and {@code tag}. Adding a name again ORs the flags and keeps the first
         * tag. Returns false, adding nothing, when the name is not valid.
         */
        public boolean add(String name, int flags, int tag) {
            return add(name, 0, name.length(), flags, tag);
        }

        /** {@link #add(String, int, int)} for {@code s[start, end)}, so that a parser need not cut substrings. */
        public boolean add(CharSequence s, int start, int end, int flags, int tag) {
            if (built) {
                throw new IllegalStateException("builder already built");
            }
            if (flags == 0 || (flags & ~(SELF | BELOW)) != 0) {
                throw new IllegalArgumentException("flags must be SELF, BELOW or both: " + flags);
            }
            int n = NameKey.encode(s, start, end, scratch);
            if (n <= 0) {
                return false;
            }
            int h = DomainTable.mix(DomainTable.hash(scratch, n));
            int slot = DomainTable.probe(table, arena, h, scratch, 0, n);
            if (table[slot] != 0) {
                arena[(int) table[slot] + 1] |= (byte) flags;
                return true;
            }
            int need = used + DomainTable.HEADER + n;
            if (need < 0) {
                throw new IllegalStateException("domain set arena full at " + size + " names");
            }
            if (need > arena.length) {
                long grown = Math.max(need, (long) arena.length * 3 / 2);
                arena = Arrays.copyOf(arena, (int) Math.min(grown, Integer.MAX_VALUE - 8));
            }
            int off = used;
            DomainTable.write(arena, off, scratch, n, flags, tag);
            used = need;
            table[slot] = (long) h << 32 | off;
            size++;
            if (size > table.length * MAX_LOAD) {
                table = DomainTable.rehash(table, table.length * 2);
            }
            return true;
        }

        /** Number of distinct names so far. */
        public int size() {
            return size;
        }

        /** The immutable set: the arena trimmed to size, the table at the smallest power of two under 0.7 load. */
        public DomainSet build() {
            if (built) {
                throw new IllegalStateException("builder already built");
            }
            built = true;
            int capacity = 16;
            while (size > capacity * MAX_LOAD) {
                capacity *= 2;
            }
            long[] t = capacity == table.length ? table : DomainTable.rehash(table, capacity);
            DomainSet set = new DomainSet(Arrays.copyOf(arena, used), t, size);
            arena = null;
            table = null;
            return set;
        }
    }
}
