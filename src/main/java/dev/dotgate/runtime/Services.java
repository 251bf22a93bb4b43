package dev.dotgate.runtime;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.dotgate.cache.CacheCounters;
import dev.dotgate.dnssec.DnssecCounters;
import dev.dotgate.dnssec.RootAnchors;
import dev.dotgate.observe.Stats;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.upstream.UpstreamFactories;
import io.netty.channel.EventLoopGroup;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What outlives every {@link Snapshot}: the event loops, the counters and meters, how upstreams are made, the
 * cache's clock and its lookup counts (which carry on when a reload replaces the cache), and the totals of the
 * event sinks a reload closed. One per gateway, made at start; a {@link Snapshot#build build} reads it and never
 * replaces it.
 *
 * @param group          the event loops upstreams run on and retired upstreams are closed from
 * @param stats          the gateway's counters
 * @param metrics        the meter registry; each new upstream name gets its meters here
 * @param upstreams      the upstream factories by URI scheme
 * @param cacheTicker    the clock the answer cache ages its entries by (a test moves it instead of sleeping)
 * @param cacheCounters  the cache's lookup counts, kept across caches
 * @param dnssecCounters the validator's verdicts, kept across snapshots
 * @param rootAnchors    the root's trust anchors kept current (RFC 5011), loaded by the first validating snapshot
 * @param eventsWritten  events written by sinks already closed
 * @param eventsDropped  events dropped by sinks already closed
 * @param running        the snapshot serving now (null before the first), read by the meters of each upstream
 */
public record Services(EventLoopGroup group, Stats stats, Metrics metrics, UpstreamFactories upstreams,
        Ticker cacheTicker, CacheCounters cacheCounters, DnssecCounters dnssecCounters, RootAnchors rootAnchors,
        LongAdder eventsWritten,
        LongAdder eventsDropped, Supplier<Snapshot> running) {
    public Services {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(upstreams, "upstreams");
        Objects.requireNonNull(cacheTicker, "cacheTicker");
        Objects.requireNonNull(cacheCounters, "cacheCounters");
        Objects.requireNonNull(running, "running");
    }

    /** Fresh counters and totals around these parts. */
    public static Services of(EventLoopGroup group, Stats stats, Metrics metrics, UpstreamFactories upstreams,
            Ticker cacheTicker, Supplier<Snapshot> running) {
        return new Services(group, stats, metrics, upstreams, cacheTicker, new CacheCounters(),
                new DnssecCounters(), new RootAnchors(), new LongAdder(), new LongAdder(), running);
    }
}
