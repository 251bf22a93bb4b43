package dev.dotgate.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The states of the clients seen lately, bounded in total: at most {@code maxClients} entries. Idle entries are
 * removed by {@link #sweep}, run on one event loop every few seconds, and every second while the table is full
 * ({@code ClientLimits}).
 *
 * <p>Once full, a new client is not tabled, and each such lookup is counted ({@code overflowed}):
 * <ul>
 * <li>a UDP client ({@link #get}) shares one of {@link #OVERFLOW_STATES} overflow states, picked by its key's
 *     (seeded, so unpredictable) hash: a flood of spoofed sources that fills the table shares its limits with
 *     about one in a thousand of the new clients, not with all of them;</li>
 * <li>a stream connection ({@link #forStream}) gets a fresh state of its own, in no table: its source cannot be
 *     spoofed (a TCP handshake), and the global {@code listen.max_connections} bounds how many there are. Its
 *     client's limits then apply per connection (not per client) until the table has room again.</li>
 * </ul>
 *
 * <p>A lookup is one {@link ConcurrentHashMap#get}, lock-free; only a client not seen before inserts. A client
 * swept at the very moment it comes back can for a moment have two states; since an idle state holds nothing
 * (no connection, nothing in flight, full bucket), that costs at most one extra burst.
 */
final class ClientTable {
    /** Overflow states for UDP clients once the table is full; a power of two. */
    static final int OVERFLOW_STATES = 1024;

    private final ConcurrentHashMap<ClientKey, ClientState> states = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int maxClients;
    private final ClientState[] overflow = new ClientState[OVERFLOW_STATES];
    private final LongAdder overflowed;

    ClientTable(int maxClients, LongAdder overflowed, long now) {
        this.maxClients = maxClients;
        this.overflowed = overflowed;
        for (int i = 0; i < OVERFLOW_STATES; i++) {
            overflow[i] = new ClientState(null, now);
        }
    }

    /** The state of {@code key}; when the table is full and it is new, one of the shared overflow states. */
    ClientState get(ClientKey key, long now) {
        ClientState s = lookup(key, now);
        if (s != null) {
            return s;
        }
        int h = key.hashCode();
        return overflow[(h ^ (h >>> 16)) & (OVERFLOW_STATES - 1)];
    }

    /** The state of {@code key} for a stream connection; when the table is full and it is new, a fresh one. */
    ClientState forStream(ClientKey key, long now) {
        ClientState s = lookup(key, now);
        return s != null ? s : new ClientState(null, now);
    }

    /** The tabled state of {@code key}, made if there is room; null (counted) when the table is full. */
    private ClientState lookup(ClientKey key, long now) {
        ClientState s = states.get(key);
        if (s != null) {
            return s;
        }
        if (size.get() >= maxClients) {
            overflowed.increment();
            return null;
        }
        ClientState fresh = new ClientState(key, now);
        ClientState raced = states.putIfAbsent(key, fresh);
        if (raced != null) {
            return raced;
        }
        size.incrementAndGet();
        return fresh;
    }

    /** Removes idle entries; returns how many. */
    int sweep(long now, long second) {
        int removed = 0;
        for (ClientState s : states.values()) {
            if (s.idle(now, second) && states.remove(s.key(), s)) {
                size.decrementAndGet();
                removed++;
            }
        }
        return removed;
    }

    int size() {
        return size.get();
    }

    boolean full() {
        return size.get() >= maxClients;
    }
}
