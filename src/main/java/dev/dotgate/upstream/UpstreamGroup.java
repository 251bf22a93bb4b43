package dev.dotgate.upstream;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The upstreams of one route and how a query picks among them ({@link Strategy}). Only usable upstreams are
 * picked, those {@link Upstream#available available} (not backing off after failed connects) and not marked down
 * by their {@link UpstreamHealth}; when none is usable, a down one that is available is tried all the same (the
 * query then probes it). A retry or hedge goes to another upstream than the one asked before whenever there is
 * one.
 *
 * <p>Hedging: with two or more upstreams and hedging on, a query not answered within the chosen upstream's usual
 * time ({@link UpstreamHealth#hedgeDelayNanos}) is sent to the next upstream as well, and the first answer wins.
 * Hedges are at most a tenth of the queries (at least {@value #HEDGE_FLOOR} a second), so an upstream slow for
 * everyone does not get twice the load.
 */
public final class UpstreamGroup {
    /** How a query picks its upstream. */
    public enum Strategy {
        /** The lowest smoothed round-trip time; one never measured first. */
        FASTEST,
        /** In turn. */
        ROUND_ROBIN,
        /** The first usable, in the order configured: fail over, and back once it answers again. */
        ORDERED,
        /** Uniformly at random. */
        RANDOM;

        /** {@code fastest}, {@code round_robin}, {@code ordered} or {@code random}. */
        public static Strategy of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /** Hedges allowed per second whatever the query count. */
    static final int HEDGE_FLOOR = 10;
    /** The earliest a hedge goes out. */
    static final long MIN_HEDGE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final List<Upstream> upstreams;
    private final Upstream[] array;
    private final Strategy strategy;
    private final boolean hedging;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder selections = new LongAdder();
    private long windowStartNanos = System.nanoTime(); // guarded by this
    private long windowSelections;                     // guarded by this
    private int windowHedges;                          // guarded by this

    /** Round robin, no hedging: as before strategies existed. */
    public UpstreamGroup(List<Upstream> upstreams) {
        this(upstreams, Strategy.ROUND_ROBIN, false);
    }

    public UpstreamGroup(List<Upstream> upstreams, Strategy strategy, boolean hedging) {
        this.upstreams = List.copyOf(upstreams);
        this.array = this.upstreams.toArray(new Upstream[0]);
        this.strategy = strategy;
        this.hedging = hedging && array.length > 1;
    }

    public List<Upstream> all() {
        return upstreams;
    }

    public Strategy strategy() {
        return strategy;
    }

    /** Whether slow queries are also sent to a second upstream: hedging on and two or more upstreams. */
    public boolean hedging() {
        return hedging;
    }

    /**
     * The upstream for a query's next attempt, other than {@code avoid} (the one just asked) when another is
     * usable; null when no upstream is available at all.
     */
    public Upstream select(Upstream avoid) {
        int n = array.length;
        if (n == 1) {
            return array[0].available() ? array[0] : null;
        }
        if (avoid == null && hedging) {
            selections.increment(); // the hedge budget's count of queries
        }
        Upstream best = null;
        Upstream fallback = null; // avoid, or a down one: only when nothing else will do
        int start = switch (strategy) {
            case ROUND_ROBIN -> Math.floorMod(next.getAndIncrement(), n);
            case RANDOM -> ThreadLocalRandom.current().nextInt(n);
            default -> 0;
        };
        for (int i = 0; i < n; i++) {
            Upstream u = array[(start + i) % n];
            if (!u.available()) {
                continue;
            }
            if (u == avoid || u.health().isDown()) {
                if (fallback == null || (fallback.health().isDown() && !u.health().isDown())) {
                    fallback = u;
                }
                continue;
            }
            if (strategy != Strategy.FASTEST) {
                return u;
            }
            if (best == null || faster(u, best)) {
                best = u;
            }
        }
        return best != null ? best : fallback;
    }

    /** Never measured first (so every upstream gets measured), then the lower smoothed RTT. */
    private static boolean faster(Upstream a, Upstream b) {
        UpstreamHealth ha = a.health();
        UpstreamHealth hb = b.health();
        if (ha.unmeasured() != hb.unmeasured()) {
            return ha.unmeasured();
        }
        return ha.srttNanos() < hb.srttNanos();
    }

    /**
     * When a query sent to {@code chosen} is also sent to another: its hedge delay, capped at
     * {@code maxNanos}; or its own attempt timeout when that is sooner; -1 for neither.
     */
    public long secondSendDelayNanos(Upstream chosen, long maxNanos) {
        long attempt = chosen.attemptTimeoutNanos();
        long hedge = hedging ? chosen.health().hedgeDelayNanos(MIN_HEDGE_NANOS, maxNanos) : -1;
        if (attempt > 0 && array.length > 1 && (hedge < 0 || attempt < hedge)) {
            return attempt;
        }
        return hedge;
    }

    /** Takes one hedge from the budget: false when a tenth of this second's queries were hedged already. */
    public synchronized boolean takeHedge() {
        long now = System.nanoTime();
        long total = selections.sum();
        if (now - windowStartNanos > TimeUnit.SECONDS.toNanos(1)) {
            windowStartNanos = now;
            windowSelections = total;
            windowHedges = 0;
        }
        if (windowHedges >= Math.max(HEDGE_FLOOR, (total - windowSelections) / 10)) {
            return false;
        }
        windowHedges++;
        return true;
    }

    public void close() {
        upstreams.forEach(Upstream::close);
    }
}
