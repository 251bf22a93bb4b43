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
    /** Times the upstream was marked down ({@link UpstreamHealth#DOWN_AFTER} failures in a row). */
    public final LongAdder downs = new LongAdder();
    /** Times it answered again after being down. */
    public final LongAdder recoveries = new LongAdder();
    /** Queries sent here as a hedge: the first upstream asked had not answered in its usual time. */
    public final LongAdder hedges = new LongAdder();
    /** Hedges this upstream answered first. */
    public final LongAdder hedgeWins = new LongAdder();
    /** Background probes sent (down, or idle while others serve). */
    public final LongAdder probes = new LongAdder();
}
