package dev.dotgate.upstream;

/**
 * A resolver the gateway forwards to, made by the {@link UpstreamFactory} of its URI scheme. {@link #send} never
 * blocks: the query is answered through {@link UpstreamQuery#complete}, or reported lost through
 * {@link UpstreamQuery#lost} so the caller can retry elsewhere.
 */
public interface Upstream {
    /** The upstream's URI, for logs, metrics and events. */
    String name();

    /** False while the upstream is backing off after failures and has no open connection. */
    boolean available();

    /** Sends {@code query} (any thread); holds it until answered, lost or expired. */
    void send(UpstreamQuery query);

    /** This upstream's counters. */
    UpstreamCounters counters();

    /** Its round-trip time and whether it is down, as the queries sent to it tell. */
    UpstreamHealth health();

    /**
     * How long an attempt here may wait before the query is also sent to another upstream, when this upstream has
     * its own {@code timeout}; 0 when it has none (the query's timeout applies).
     */
    default long attemptTimeoutNanos() {
        return 0;
    }

    /** Connections open or opening now (0 for a datagram upstream). */
    default int openConnections() {
        return 0;
    }

    /**
     * Opens a first connection now, when the kind keeps connections, so the first query does not wait for a TCP
     * and TLS handshake. Never blocks; a failure backs off as a failed connect does. Nothing by default.
     */
    default void warm() {
    }

    /** Closes every connection; queries in flight are reported lost. */
    void close();
}
