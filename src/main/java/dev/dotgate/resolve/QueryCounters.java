package dev.dotgate.resolve;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the query path counts: owned by this package and read by {@code observe} (the {@code Stats} fields of the
 * same names are these adders, so metric names and values are unchanged). Cheap to bump from any thread.
 */
public final class QueryCounters {
    /** Client queries accepted (not the gateway's own: prefetches, CNAME targets). */
    public final LongAdder queries = new LongAdder();
    /** Client queries completed, however. */
    public final LongAdder completed = new LongAdder();
    /** Client queries answered by an upstream. */
    public final LongAdder answered = new LongAdder();
    /** Queries answered SERVFAIL (or stale) because no upstream answered in time. */
    public final LongAdder servfailTimeout = new LongAdder();
    /** Queries answered SERVFAIL (or stale) because no upstream could take them. */
    public final LongAdder servfailNoUpstream = new LongAdder();
    /** Attempts retried on another connection or upstream after one was lost. */
    public final LongAdder retries = new LongAdder();
    /** Queries also sent to a second upstream because the first had not answered in its usual time. */
    public final LongAdder hedges = new LongAdder();
    /** Hedged queries the second upstream answered first. */
    public final LongAdder hedgeWins = new LongAdder();

    /** Queries accepted and not yet completed. */
    public long inflight() {
        return queries.sum() - completed.sum();
    }
}
