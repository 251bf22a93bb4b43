package dev.dotgate.wire;

import java.util.Arrays;

/**
 * The storage {@link DomainSet} and its {@link DomainSet.Builder} share: the arena entry layout
 * {@code [wire length][flags][tag, 4 bytes big-endian][wire name]}, the polynomial hash of a wire name and its
 * finalizer, and linear probing of the open-addressing {@code long[]} table (a slot holds
 * {@code hash << 32 | offset}, 0 is empty, arena offset 0 is a pad). Stateless; allocates only in {@link #rehash}.
 */
final class DomainTable {
    /** Bytes before an entry's name: its length, flags and tag. */
    static final int HEADER = 6;
    /** Odd multiplier of the polynomial hash (mod 2^32). */
    static final int P = 0x9E3779B1;
    /** {@code POW[i]} is {@code P^i}: with it a suffix's hash comes from the whole name's and a prefix's. */
    static final int[] POW = new int[256];

    static {
        POW[0] = 1;
        for (int i = 1; i < POW.length; i++) {
            POW[i] = POW[i - 1] * P;
        }
    }

    private DomainTable() {
    }

    /** The polynomial hash of {@code w[0, n)}. */
    static int hash(byte[] w, int n) {
        int h = 0;
        for (int k = 0; k < n; k++) {
            h = h * P + (w[k] & 0xFF);
        }
        return h;
    }

    /** murmur3's finalizer: spreads the polynomial hash over all bits before it picks a slot. */
    static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * The slot of {@code table} (a power of two long) holding the entry of (mixed) hash {@code h} equal to
     * {@code w[index, index + length)}, or else the empty slot where it would go: {@code table[slot] == 0}.
     */
    static int probe(long[] table, byte[] arena, int h, byte[] w, int index, int length) {
        int mask = table.length - 1;
        int slot = h & mask;
        while (true) {
            long e = table[slot];
            if (e == 0) {
                return slot;
            }
            if ((int) (e >>> 32) == h) {
                int off = (int) e;
                if ((arena[off] & 0xFF) == length
                        && Arrays.equals(arena, off + HEADER, off + HEADER + length, w, index, index + length)) {
                    return slot;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /** Writes the entry of {@code name[0, n)} with {@code flags} and {@code tag} at {@code off}. */
    static void write(byte[] arena, int off, byte[] name, int n, int flags, int tag) {
        arena[off] = (byte) n;
        arena[off + 1] = (byte) flags;
        arena[off + 2] = (byte) (tag >>> 24);
        arena[off + 3] = (byte) (tag >>> 16);
        arena[off + 4] = (byte) (tag >>> 8);
        arena[off + 5] = (byte) tag;
        System.arraycopy(name, 0, arena, off + HEADER, n);
    }

    static int flagsAt(byte[] arena, int off) {
        return arena[off + 1];
    }

    static int tagAt(byte[] arena, int off) {
        return (arena[off + 2] & 0xFF) << 24 | (arena[off + 3] & 0xFF) << 16 | (arena[off + 4] & 0xFF) << 8
                | (arena[off + 5] & 0xFF);
    }

    /** The entries of {@code old} in a new table of {@code capacity} slots (a power of two). */
    static long[] rehash(long[] old, int capacity) {
        long[] t = new long[capacity];
        int m = capacity - 1;
        for (long e : old) {
            if (e != 0) {
                int slot = (int) (e >>> 32) & m;
                while (t[slot] != 0) {
                    slot = (slot + 1) & m;
                }
                t[slot] = e;
            }
        }
        return t;
    }
}
