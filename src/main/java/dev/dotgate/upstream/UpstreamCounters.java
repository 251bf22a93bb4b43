package dev.dotgate.upstream;

import java.util.concurrent.atomic.LongAdder;

/** What happened with one upstream, for its metrics. Cheap to bump from any thread. */
public final class UpstreamCounters {
    /** Queries sent (every attempt). */
    public final LongAdder queries = new LongAdder();
    /** Attempts lost: the connection died or the upstream could not take the query. */
    public final LongAdder errors = new LongAdder();
    /** Queries that reached the timeout with this upstream as the last one asked. */
    public final LongAdder timeouts = new LongAdder();
    /** Connections opened (the first and every reconnect). */
    public final LongAdder connects = new LongAdder();
    /** Connects or TLS handshakes that failed. */
    public final LongAdder connectFailures = new LongAdder();
}
