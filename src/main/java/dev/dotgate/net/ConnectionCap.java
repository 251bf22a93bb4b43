package dev.dotgate.net;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts open connections in total and per client address, and says whether one more may open. Thread-safe
 * (synchronized: a few calls per connection, never on the query path).
 */
final class ConnectionCap {
    private final int total;
    private final int perAddress;
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private int open;

    ConnectionCap(int total, int perAddress) {
        this.total = total;
        this.perAddress = perAddress;
    }

    /**
     * Takes a place for a connection from {@code address}; null if it got one (then {@link #release} it once),
     * otherwise the limit it broke.
     */
    synchronized SmallHttpRefusals.Reason acquire(InetAddress address) {
        if (open >= total) {
            return SmallHttpRefusals.Reason.CONNECTION_LIMIT;
        }
        int n = byAddress.getOrDefault(address, 0);
        if (n >= perAddress) {
            return SmallHttpRefusals.Reason.ADDRESS_LIMIT;
        }
        byAddress.put(address, n + 1);
        open++;
        return null;
    }

    /** Gives back the place of a connection from {@code address}. */
    synchronized void release(InetAddress address) {
        open--;
        byAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    synchronized int open() {
        return open;
    }
}
