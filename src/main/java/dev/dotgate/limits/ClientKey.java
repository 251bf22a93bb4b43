package dev.dotgate.limits;

import dev.dotgate.wire.ProcessSeed;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * One client for the per-client limits: an address cut to its prefix ({@code limits.client_prefix_v4}, /32 by
 * default; {@code limits.client_prefix_v6}, /64), as two longs. An IPv4 address is kept in its IPv4-mapped IPv6
 * form ({@code ::ffff:a.b.c.d}), so the two families never collide. Immutable; a small object with no array.
 *
 * <p>Keys chosen by an attacker (any /64 of its IPv6 range, any spoofed UDP source) must not pile into one hash
 * bucket of the client table: the hash mixes in seeds drawn once per process ({@link ProcessSeed}, from a
 * {@code SecureRandom}), so which keys collide cannot be worked out from the code; and keys are
 * {@link Comparable} (unsigned, high bits then low), so a bucket that does fill up becomes a balanced tree in
 * {@code ConcurrentHashMap}, not a list. Neither allocates.
 */
public final class ClientKey implements Comparable<ClientKey> {
    private static final long V4_MAPPED = 0xFFFF_0000_0000L;
    /** Per process, unknown to clients. */
    private static final long SEED = ProcessSeed.next();
    private static final long SEED2 = ProcessSeed.next();

    private final long hi;
    private final long lo;

    ClientKey(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    /**
     * The IPv4 address as an int, without the byte array {@link InetAddress#getAddress} copies: OpenJDK's
     * {@code Inet4Address.hashCode} is the address itself (checked by ClientKeyTest).
     */
    static int v4(Inet4Address a) {
        return a.hashCode();
    }

    /** The key of {@code address} cut to {@code prefixV4} or {@code prefixV6} bits. */
    public static ClientKey of(InetAddress address, int prefixV4, int prefixV6) {
        if (address instanceof Inet4Address a4) {
            return ofV4(v4(a4), prefixV4);
        }
        byte[] b = ((Inet6Address) address).getAddress();
        return ofV6(high(b), low(b), prefixV6);
    }

    static ClientKey ofV4(int address, int prefix) {
        long masked = (address & v4Mask(prefix)) & 0xFFFF_FFFFL;
        return new ClientKey(0, V4_MAPPED | masked);
    }

    static ClientKey ofV6(long hi, long lo, int prefix) {
        return new ClientKey(hi & highMask(prefix), lo & lowMask(prefix));
    }

    static int v4Mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    static long highMask(int prefix) {
        return prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
    }

    static long lowMask(int prefix) {
        return prefix <= 64 ? 0 : prefix >= 128 ? -1L : -1L << (128 - prefix);
    }

    static long high(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    static long low(byte[] b) {
        long v = 0;
        for (int i = 8; i < 16; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientKey k && k.hi == hi && k.lo == lo;
    }

    @Override
    public int hashCode() {
        long h = mix(hi ^ SEED);
        h = mix(h ^ lo ^ SEED2);
        return (int) (h ^ (h >>> 32));
    }

    /** The SplitMix64 finalizer: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Unsigned, high 64 bits then low: consistent with {@link #equals}. */
    @Override
    public int compareTo(ClientKey o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public String toString() {
        if (hi == 0 && (lo >>> 32) == 0xFFFF) {
            return ((lo >>> 24) & 0xFF) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF);
        }
        return Long.toHexString(hi) + ":" + Long.toHexString(lo);
    }
}
