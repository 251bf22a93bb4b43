package dev.dotgate.server.doh;

import java.util.concurrent.atomic.LongAdder;

/**
 * How many requests were answered with each HTTP error status (the DoH listener's bad requests). One
 * {@link LongAdder} per status in {@link #STATUSES}; any other status counts under {@code 400}. Thread-safe,
 * allocation-free.
 */
public final class HttpStatusCounts {
    /** The statuses counted, each its own counter (and label in the metrics). */
    public static final int[] STATUSES = {400, 404, 405, 408, 413, 414, 415, 431};
    private final LongAdder[] counts = new LongAdder[STATUSES.length];

    public HttpStatusCounts() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void increment(int status) {
        counts[index(status)].increment();
    }

    /** The counter of {@code status} (that of 400 for a status not in {@link #STATUSES}). */
    public LongAdder counter(int status) {
        return counts[index(status)];
    }

    public long get(int status) {
        return counter(status).sum();
    }

    /** All statuses together. */
    public long total() {
        long sum = 0;
        for (LongAdder c : counts) {
            sum += c.sum();
        }
        return sum;
    }

    private static int index(int status) {
        for (int i = 0; i < STATUSES.length; i++) {
            if (STATUSES[i] == status) {
                return i;
            }
        }
        return 0;
    }
}
