package dev.dotgate.resolve;

import java.net.InetSocketAddress;

/**
 * Hears what became of every client query: metrics and events. Called on the query path (the client's loop), so
 * implementations must not block (events leave through a bounded queue).
 */
public interface QueryObserver {
    /** Observes nothing. */
    QueryObserver NONE = new QueryObserver() {
        @Override
        public void completed(Exchange exchange) {
        }

        @Override
        public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
        }
    };

    /**
     * {@code exchange} has its decision, reason and rcode set and still holds its query bytes
     * ({@link Exchange#query}); its reply goes out right after. On the exchange's loop.
     */
    void completed(Exchange exchange);

    /** A message that got no reply at all (an unreadable datagram, a refused DoT connection). */
    void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason);
}
