package dev.dotgate.upstream;

import dev.dotgate.resolve.Exchange;

/**
 * A resolver the gateway forwards to. {@link #send} never blocks: the exchange is answered through
 * {@link Exchange#answer}, or reported lost through {@link Exchange#lost} so the caller can retry elsewhere.
 */
public interface Upstream {
    /** The upstream's URI, for logs. */
    String name();

    /** False while the upstream is backing off after failures and has no open connection. */
    boolean available();

    void send(Exchange exchange);

    /** This upstream's counters. */
    UpstreamCounters counters();

    /** Connections open or opening now (0 for a datagram upstream). */
    default int openConnections() {
        return 0;
    }

    /** Closes every connection; exchanges in flight are reported lost. */
    void close();
}
