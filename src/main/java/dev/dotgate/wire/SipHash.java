package dev.dotgate.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SipHash (Aumasson and Bernstein) for keys that clients choose: the cache's {@code CacheKey} and {@link NameKey}.
 * {@link #seeded} is SipHash-1-3 under a 128-bit key drawn once per process ({@link ProcessSeed}), which a
 * client cannot predict, so it cannot choose names that share a hash bucket (an unseeded polynomial hash such as
 * {@code Arrays.hashCode} lets anyone make thousands of names collide).
 */
public final class SipHash {
    private static final VarHandle LITTLE_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** This process's SipHash key. */
    private static final long SEED0 = ProcessSeed.next();
    private static final long SEED1 = ProcessSeed.next();

    private SipHash() {
    }

    /** SipHash-1-3 of {@code b} under this process's seed, folded to 32 bits. */
    public static int seeded(byte[] b) {
        long h = hash(SEED0, SEED1, b, 1, 3);
        return (int) (h ^ (h >>> 32));
    }

    /**
     * SipHash-c-d (Aumasson and Bernstein) of {@code b} under the 128-bit key {@code k0}, {@code k1} (both read
     * little-endian, as in the reference). One pass over the bytes, eight at a time; no allocation.
     */
    public static long hash(long k0, long k1, byte[] b, int compressionRounds, int finalRounds) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int n = b.length;
        int whole = n & ~7;
        long m;
        for (int i = 0; i <= whole; i += 8) {
            if (i < whole) {
                m = (long) LITTLE_ENDIAN_LONG.get(b, i);
            } else { // the last 0 to 7 bytes and the length's low byte on top
                m = (long) n << 56;
                for (int k = i; k < n; k++) {
                    m |= (b[k] & 0xFFL) << ((k - i) << 3);
                }
            }
            v3 ^= m;
            for (int r = 0; r < compressionRounds; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xFF;
        for (int r = 0; r < finalRounds; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

}
