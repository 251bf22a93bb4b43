package dev.dotgate.upstream;

import io.netty.util.concurrent.FastThreadLocal;
import java.security.SecureRandom;

/**
 * Unpredictable query IDs and 0x20 case masks (RFC 5452): bytes from {@link SecureRandom}, fetched in batches of
 * {@value #BATCH} into a buffer per thread, so a query costs no lock and no system call; only a refill (every few
 * hundred queries) touches the shared generator. Each event loop thread has its own buffer; the values never
 * leave the gateway except in the queries they protect.
 */
final class QueryRandom {
    static final int BATCH = 4096;
    private static final SecureRandom SOURCE = new SecureRandom();
    private static final FastThreadLocal<QueryRandom> CURRENT = new FastThreadLocal<>() {
        @Override
        protected QueryRandom initialValue() {
            return new QueryRandom();
        }
    };

    private final byte[] bytes = new byte[BATCH];
    private int next = BATCH;

    private QueryRandom() {
    }

    /** The calling thread's generator. */
    static QueryRandom current() {
        return CURRENT.get();
    }

    /** A uniformly random 16-bit query ID. */
    int nextId() {
        if (next + 2 > BATCH) {
            refill();
        }
        int id = (bytes[next] & 0xFF) << 8 | (bytes[next + 1] & 0xFF);
        next += 2;
        return id;
    }

    /** 64 random bits (a 0x20 case mask). */
    long nextLong() {
        if (next + 8 > BATCH) {
            refill();
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (bytes[next + i] & 0xFF);
        }
        next += 8;
        return v;
    }

    private void refill() {
        SOURCE.nextBytes(bytes);
        next = 0;
    }
}
