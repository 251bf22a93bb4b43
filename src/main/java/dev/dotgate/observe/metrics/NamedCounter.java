package dev.dotgate.observe.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * One counter as the metrics and the shutdown totals show it: {@code key} in the totals line and
 * {@code Stats.snapshot()}, {@code metric} (Micrometer's dotted name, {@code dotgate_..._total} in the scrape) with
 * its help text, read from the {@code adder} the owning package bumps. The metric reads the adder at each scrape,
 * so the count lives in one place and the query path only bumps a {@link LongAdder}.
 */
public record NamedCounter(String key, String metric, String help, LongAdder adder) {
    public NamedCounter {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(help, "help");
        Objects.requireNonNull(adder, "adder");
    }

    /** Registers the function counter; the caller keeps the adder reachable (the registry holds it weakly). */
    void register(MeterRegistry registry) {
        register(registry, metric, help, adder, Tags.empty());
    }

    /**
     * Registers a function counter {@code metric} reading {@code adder} at each scrape, with {@code tags}: the one
     * way this package exports a count another class keeps. The caller keeps the adder reachable.
     */
    static void register(MeterRegistry registry, String metric, String help, LongAdder adder, Tags tags) {
        FunctionCounter.builder(metric, adder, LongAdder::sum).description(help).tags(tags).register(registry);
    }
}
