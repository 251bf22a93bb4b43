package dev.dotgate.observe.metrics;

import dev.dotgate.cache.CacheCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The answer cache's counters as meters: lookups by result and prefetches, read from the {@link CacheCounters} the
 * cache bumps (the one place they are counted). The size gauges of the cache running now are registered with the
 * chain that holds it ({@link Metrics#gauge}).
 */
public final class CacheMeters implements MeterBinder {
    static final String CACHE_LOOKUPS = "dotgate.cache.lookups";
    static final String CACHE_PREFETCHES = "dotgate.cache.prefetches";
    private final CacheCounters counters;

    public CacheMeters(CacheCounters counters) {
        this.counters = counters;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        lookups(registry, "hit", counters.hits);
        lookups(registry, "miss", counters.misses);
        lookups(registry, "stale", counters.stale);
        NamedCounter.register(registry, CACHE_PREFETCHES, "Cache entries refreshed from an upstream before they "
                + "expired", counters.prefetches, Tags.empty());
    }

    private static void lookups(MeterRegistry registry, String result, LongAdder adder) {
        NamedCounter.register(registry, CACHE_LOOKUPS, "Cache lookups by result: hit (fresh), miss, stale "
                + "(expired entry served)", adder, Tags.of("result", result));
    }
}
