package dev.dotgate.observe.metrics;

import dev.dotgate.observe.Stats;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * The query path's counters (accepted, completed, answered, SERVFAIL by cause, retries) and the queries in flight.
 * They are bumped in {@code resolve}, which does not own a counters class yet: they are read from {@link Stats}'s
 * adders of the same names until it does (then this takes that class, the names unchanged).
 */
public final class ResolveMeters extends OwnerMeters {
    static final String QUERIES_INFLIGHT = "dotgate.queries.inflight";
    private final Stats stats;

    public ResolveMeters(Stats s) {
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
                        s.retries)));
        this.stats = s;
    }

    @Override
    protected void bindMore(MeterRegistry registry) {
        Gauge.builder(QUERIES_INFLIGHT, stats, Stats::inflight)
                .description("Queries accepted and not yet completed")
                .strongReference(true)
                .register(registry);
    }
}
