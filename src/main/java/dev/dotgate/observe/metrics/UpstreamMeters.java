package dev.dotgate.observe.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The meters of one upstream, labelled {@code upstream="NAME"}; created once by {@link Metrics#upstream}. Every
 * method is lock-free and allocation-free.
 */
public final class UpstreamMeters {
    private final MeterRegistry registry;
    private final String name;
    private final Tags tags;
    private final Counter answers;
    private final Timer duration;
    private final Counter errors;
    private final Counter timeouts;
    private final Counter connects;
    private final Counter connectFailures;

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
        this.errors = Counter.builder(Metrics.UPSTREAM_ERRORS)
                .description("Queries lost on the upstream: connection failed or closed, malformed answer")
                .tags(tags).register(registry);
        this.timeouts = Counter.builder(Metrics.UPSTREAM_TIMEOUTS)
                .description("Queries the upstream did not answer in time")
                .tags(tags).register(registry);
        this.connects = Counter.builder(Metrics.UPSTREAM_CONNECTS)
                .description("Connections to the upstream established (first and re-connections)")
                .tags(tags).register(registry);
        this.connectFailures = Counter.builder(Metrics.UPSTREAM_CONNECT_FAILURES)
                .description("Connection attempts to the upstream that failed (TCP or TLS)")
                .tags(tags).register(registry);
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

    /** A query was lost on this upstream (not a timeout). */
    public void error() {
        errors.increment();
    }

    /** A query got no answer in time. */
    public void timeout() {
        timeouts.increment();
    }

    /** A connection was established (also the first). */
    public void reconnect() {
        connects.increment();
    }

    /** A connection attempt failed. */
    public void connectFailure() {
        connectFailures.increment();
    }

    /** Registers the gauge of open connections to this upstream; the supplier is held strongly. */
    public void openConnections(Supplier<Number> open) {
        Gauge.builder(Metrics.UPSTREAM_CONNECTIONS, open)
                .description("Connections to the upstream open now")
                .tags(tags).strongReference(true).register(registry);
    }
}
