package dev.dotgate.observe.metrics;

import dev.dotgate.resolve.QueryCounters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * The query path's counters (accepted, completed, answered, SERVFAIL by cause, retries) and the queries in flight.
 * They are bumped in {@code resolve} and read here from its {@link QueryCounters}.
 */
public final class ResolveMeters extends OwnerMeters {
    static final String QUERIES_INFLIGHT = "dotgate.queries.inflight";
    private final QueryCounters counters;

    public ResolveMeters(QueryCounters s) {
        super(List.of(
                new NamedCounter("queries", "dotgate.stats.queries",
                        "Queries accepted from clients (Stats.queries)",
                        s.queries),
                new NamedCounter("completed", "dotgate.completed",
                        "Queries completed: answered or failed with an error response",
                        s.completed),
                new NamedCounter("answered", "dotgate.answered",
                        "Queries answered with an upstream's response",
                        s.answered),
                new NamedCounter("servfailTimeout", "dotgate.servfail.timeout",
                        "Queries answered SERVFAIL because no upstream answered in time",
                        s.servfailTimeout),
                new NamedCounter("servfailNoUpstream", "dotgate.servfail.no.upstream",
                        "Queries answered SERVFAIL because no upstream could take them",
                        s.servfailNoUpstream),
                new NamedCounter("retries", "dotgate.retries",
                        "Queries sent again to another upstream after an attempt was lost",
                        s.retries),
                new NamedCounter("hedges", "dotgate.hedges",
                        "Queries also sent to a second upstream because the first had not answered in its usual time",
                        s.hedges),
                new NamedCounter("hedgeWins", "dotgate.hedge.wins",
                        "Hedged queries that the second upstream answered first",
                        s.hedgeWins)));
        this.counters = s;
    }

    @Override
    protected void bindMore(MeterRegistry registry) {
        Gauge.builder(QUERIES_INFLIGHT, counters, QueryCounters::inflight)
                .description("Queries accepted and not yet completed")
                .strongReference(true)
                .register(registry);
    }
}
