package dev.dotgate.wire;

import java.security.SecureRandom;

/**
 * Secret seeds for hashes of keys that clients choose ({@link SipHash}, the client table's keys): each call draws
 * a fresh long from one {@link SecureRandom}, so every user holds its own seeds, drawn once per process (in a
 * static initializer) and unknown to clients, and no two users share one.
 */
public final class ProcessSeed {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ProcessSeed() {
    }

    /** A new seed. */
    public static long next() {
        return RANDOM.nextLong();
    }
}
