package dev.dotgate.limits;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the gateway keeps about one client (an address prefix, {@link ClientKey}): its open stream connections,
 * its queries in flight over every transport, its query-rate bucket and its response-rate windows. Looked up
 * once per UDP query and once per stream connection (kept on the channel after that). Thread-safe: counters
 * are atomic, the bucket is lock-free, the response-rate windows are guarded by this object.
 */
public final class ClientState {
    /** Handed back instead of a state when the client is refused (connection closed, datagram dropped). */
    public static final ClientState REFUSED = new ClientState(null, 0);

    private final ClientKey key;
    final TokenBucket bucket;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger inflight = new AtomicInteger();
    /** Identical-response counts of the current second, for RRL; created on the first UDP answer. */
    private int[] rrlKeys; // guarded by this
    private int[] rrlCounts;
    private long[] rrlSeconds;

    ClientState(ClientKey key, long now) {
        this.key = key;
        this.bucket = new TokenBucket(now);
    }

    /** The client prefix; null for a state in no table (the table was full: {@code ClientTable}). */
    public ClientKey key() {
        return key;
    }

    public int connections() {
        return connections.get();
    }

    public int inflight() {
        return inflight.get();
    }

    /** Takes a connection if fewer than {@code max} are open; false when the client is at its cap. */
    boolean openConnection(int max) {
        if (connections.incrementAndGet() > max) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    void closeConnection() {
        connections.decrementAndGet();
    }

    /** A query of this client entered the resolver chain ({@code QueryIntake}); released once it completes. */
    public void acquire() {
        inflight.incrementAndGet();
    }

    /** The query taken by {@link #acquire} has completed. Exactly once per acquire, any thread. */
    public void release() {
        inflight.decrementAndGet();
    }

    /** Number of identical-response windows kept per client: a client asking many names churns through them. */
    static final int RRL_SLOTS = 8;

    /**
     * Counts one response with {@code key} (name and rcode class) in second {@code second}; returns how many
     * such responses this second, this one included.
     */
    synchronized int countResponse(int responseKey, long second) {
        if (rrlKeys == null) {
            rrlKeys = new int[RRL_SLOTS];
            rrlCounts = new int[RRL_SLOTS];
            rrlSeconds = new long[RRL_SLOTS];
        }
        int oldest = 0;
        for (int i = 0; i < RRL_SLOTS; i++) {
            if (rrlCounts[i] != 0 && rrlKeys[i] == responseKey) {
                if (rrlSeconds[i] != second) {
                    rrlSeconds[i] = second;
                    rrlCounts[i] = 0;
                }
                return ++rrlCounts[i];
            }
            if (rrlCounts[i] == 0) {
                oldest = i; // slots fill in order and never empty again: no match beyond this one
                break;
            }
            if (rrlSeconds[i] < rrlSeconds[oldest]) {
                oldest = i;
            }
        }
        rrlKeys[oldest] = responseKey;
        rrlSeconds[oldest] = second;
        rrlCounts[oldest] = 1;
        return 1;
    }

    /**
     * Nothing to remember: no connection, nothing in flight, bucket full, no response window of this second or
     * the last. Such a state may be dropped from the table; it is made again, the same, when the client returns.
     */
    boolean idle(long now, long second) {
        if (connections.get() != 0 || inflight.get() != 0 || !bucket.full(now)) {
            return false;
        }
        synchronized (this) {
            if (rrlSeconds != null) {
                for (int i = 0; i < RRL_SLOTS; i++) {
                    if (rrlCounts[i] != 0 && rrlSeconds[i] >= second - 1) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
