package dev.dotgate.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The states of the clients seen lately, bounded in total: at most {@code maxClients} entries; once full, new
 * clients share one overflow state (so a flood of spoofed sources shares one client's limits) and each such
 * lookup is counted. Idle entries are removed by {@link #sweep}, run on one event loop every few seconds.
 *
 * <p>A lookup is one {@link ConcurrentHashMap#get}, lock-free; only a client not seen before inserts. A client
 * swept at the very moment it comes back can for a moment have two states; since an idle state holds nothing
 * (no connection, nothing in flight, full bucket), that costs at most one extra burst.
 */
final class ClientTable {
    private final ConcurrentHashMap<ClientKey, ClientState> states = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int maxClients;
    private final ClientState overflow;
    private final LongAdder overflowed;

    ClientTable(int maxClients, LongAdder overflowed, long now) {
        this.maxClients = maxClients;
        this.overflowed = overflowed;
        this.overflow = new ClientState(null, now);
    }

    ClientState get(ClientKey key, long now) {
        ClientState s = states.get(key);
        if (s != null) {
            return s;
        }
        if (size.get() >= maxClients) {
            overflowed.increment();
            return overflow;
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
}
