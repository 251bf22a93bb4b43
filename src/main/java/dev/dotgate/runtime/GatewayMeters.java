package dev.dotgate.runtime;

import dev.dotgate.cache.CacheCounters;
import dev.dotgate.cache.CachingResolver;
import dev.dotgate.observe.metrics.CacheMeters;
import dev.dotgate.observe.metrics.DnssecMeters;
import dev.dotgate.observe.metrics.EventMeters;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.policy.Policy;
import java.util.function.Supplier;

/**
 * The meters that outlive snapshots, bound once at start: every owner's counters, the cache's lookup counts,
 * and gauges that read the snapshot serving at the time of the scrape (cache size, events, blocked names). The
 * upstreams' meters are made by {@link Snapshot#build} as each name first appears.
 */
public final class GatewayMeters {
    private GatewayMeters() {
    }

    public static void bind(Services services, Supplier<Snapshot> running) {
        Metrics metrics = services.metrics();
        services.stats().meters().forEach(metrics::bind);
        metrics.bind(new CacheMeters(services.cacheCounters()));
        metrics.bind(new DnssecMeters(services.dnssecCounters()));
        metrics.gauge("dotgate.cache.entries", "answers in the cache", () -> {
            CachingResolver c = running.get().caching();
            return c == null ? 0 : c.cache().size();
        });
        metrics.gauge("dotgate.cache.bytes", "estimated memory the cached answers take, in bytes", () -> {
            CachingResolver c = running.get().caching();
            return c == null ? 0 : c.cache().estimatedBytes();
        });
        metrics.bind(new EventMeters(() -> running.get().eventsWritten(), () -> running.get().eventsDropped()));
        metrics.gauge("dotgate.blocklist.names", "names on the loaded blocklists", () -> {
            Policy p = running.get().policy();
            return p.blocklists() == null ? 0 : p.blocklists().size();
        });
    }

    /** The one line of totals logged at shutdown. */
    public static String totals(Services services, Snapshot now) {
        StringBuilder sb = new StringBuilder(services.stats().summary());
        CachingResolver c = now.caching();
        if (c != null) {
            CacheCounters cc = services.cacheCounters();
            sb.append(" cacheHits=").append(cc.hits.sum()).append(" cacheMisses=").append(cc.misses.sum())
                    .append(" cacheStale=").append(cc.stale.sum()).append(" prefetches=")
                    .append(cc.prefetches.sum()).append(" coalesced=").append(c.coalesced());
        }
        sb.append(" eventsWritten=").append(now.eventsWritten()).append(" eventsDropped=")
                .append(now.eventsDropped());
        return sb.toString();
    }
}
