package dev.dotgate.observe.metrics;

import dev.dotgate.upstream.UpstreamCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The meters of one upstream, labelled {@code upstream="NAME"}; created once by {@link Metrics#upstream}. Errors,
 * timeouts and connects are read from the upstream's {@link UpstreamCounters}, which the upstream bumps itself
 * and which outlive a reload that replaces the upstream by one of the same name. Every method is lock-free and
 * allocation-free. The upstream's own counts are bumped by the upstream on {@link #counters()}; this class counts
 * only what the query's completion tells (answers and their latency).
 */
public final class UpstreamMeters {
    private final MeterRegistry registry;
    private final String name;
    private final Tags tags;
    private final Counter answers;
    private final Timer duration;
    private final UpstreamCounters counters = new UpstreamCounters();

    UpstreamMeters(MeterRegistry registry, String name) {
        this.registry = registry;
        this.name = name;
        this.tags = Tags.of("upstream", name);
        this.answers = Counter.builder(Metrics.UPSTREAM_ANSWERS)
                .description("Answers received from the upstream (also the _count of "
                        + "dotgate_upstream_duration_seconds)")
                .tags(tags).register(registry);
        this.duration = Metrics.latencyTimer(Metrics.UPSTREAM_DURATION,
                "Time from sending a query to the upstream until its answer arrived", tags, registry);
        NamedCounter.register(registry, "dotgate.upstream.queries",
                "Queries sent to the upstream (every attempt, retries included)", counters.queries, tags);
        NamedCounter.register(registry, Metrics.UPSTREAM_ERRORS,
                "Queries lost on the upstream: connection failed or closed, malformed answer", counters.errors, tags);
        NamedCounter.register(registry, Metrics.UPSTREAM_TIMEOUTS,
                "Queries the upstream did not answer in time", counters.timeouts, tags);
        NamedCounter.register(registry, Metrics.UPSTREAM_CONNECTS,
                "Connections to the upstream established (first and re-connections)", counters.connects, tags);
        NamedCounter.register(registry, Metrics.UPSTREAM_CONNECT_FAILURES,
                "Connection attempts to the upstream that failed (TCP or TLS)", counters.connectFailures, tags);
        NamedCounter.register(registry, "dotgate.upstream.downs",
                "Times the upstream was marked down after queries in a row were lost or timed out", counters.downs,
                tags);
        NamedCounter.register(registry, "dotgate.upstream.recoveries",
                "Times the upstream answered again after being marked down", counters.recoveries, tags);
        NamedCounter.register(registry, "dotgate.upstream.hedges",
                "Queries sent to the upstream as a hedge, the first upstream asked being slow", counters.hedges, tags);
        NamedCounter.register(registry, "dotgate.upstream.hedge.wins",
                "Hedged queries the upstream answered first", counters.hedgeWins, tags);
        NamedCounter.register(registry, "dotgate.upstream.probes",
                "Background probe queries sent to the upstream (while down, or idle beside faster ones)",
                counters.probes, tags);
    }

    /**
     * Registers the gauges of the upstream's health, read from whichever upstream of this name serves now:
     * its smoothed round-trip time and whether it is up.
     */
    public void health(Supplier<dev.dotgate.upstream.UpstreamHealth> current) {
        Gauge.builder(Metrics.UPSTREAM_SRTT, () -> {
            var h = current.get();
            return h == null ? Double.NaN : h.srttNanos() / 1e9;
        }).description("Smoothed round-trip time of the upstream's answers (0 before the first)")
                .baseUnit("seconds").tags(tags).strongReference(true).register(registry);
        Gauge.builder(Metrics.UPSTREAM_UP, () -> {
            var h = current.get();
            return h == null ? Double.NaN : h.isDown() ? 0 : 1;
        }).description("1 while the upstream is up, 0 while it is marked down")
                .tags(tags).strongReference(true).register(registry);
    }

    /** The counters the upstream of this name bumps. */
    public UpstreamCounters counters() {
        return counters;
    }

    /** The upstream's label value. */
    public String name() {
        return name;
    }

    /** An answer arrived {@code latencyNanos} after the query was sent. */
    public void query(long latencyNanos) {
        answers.increment();
        duration.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** Registers the gauge of open connections to this upstream; the supplier is held strongly. */
    public void openConnections(Supplier<Number> open) {
        Gauge.builder(Metrics.UPSTREAM_CONNECTIONS, open)
                .description("Connections to the upstream open now")
                .tags(tags).strongReference(true).register(registry);
    }
}
