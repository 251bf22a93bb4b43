package dev.dotgate.cache;

import dev.dotgate.config.CacheSettings;
import java.time.Duration;

/**
 * Settings of the {@link AnswerCache}.
 *
 * @param enabled           when false nothing is stored and every lookup misses
 * @param maxEntries        bound on the number of answers kept (Caffeine's size eviction)
 * @param minTtl            floor of the lifetime and of every served TTL of a positive answer
 * @param maxTtl            ceiling of the lifetime and of every served TTL of a positive answer
 * @param negativeMaxTtl    ceiling of the lifetime of NXDOMAIN and NODATA answers (RFC 2308 section 5)
 * @param staleWindow       how long an answer is kept after it expired, to be served when no upstream answers
 * @param staleTtl          the TTL written into every record of a stale answer (30 s, RFC 8767 section 4)
 * @param prefetchThreshold fraction of the lifetime left under which a hit asks for a refresh (0 disables)
 * @param prefetchMinHits   hits an entry needs before it is worth refreshing early
 */
public record CacheOptions(boolean enabled, int maxEntries, Duration minTtl, Duration maxTtl, Duration negativeMaxTtl,
        Duration staleWindow, Duration staleTtl, double prefetchThreshold, int prefetchMinHits) {

    public CacheOptions {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must not be negative: " + maxEntries);
        }
        requireSeconds("minTtl", minTtl);
        requireSeconds("maxTtl", maxTtl);
        requireSeconds("negativeMaxTtl", negativeMaxTtl);
        requireSeconds("staleWindow", staleWindow);
        requireSeconds("staleTtl", staleTtl);
        if (minTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException("minTtl " + minTtl + " is above maxTtl " + maxTtl);
        }
        if (!(prefetchThreshold >= 0 && prefetchThreshold < 1)) {
            throw new IllegalArgumentException("prefetchThreshold must be in [0, 1): " + prefetchThreshold);
        }
        if (prefetchMinHits < 1) {
            throw new IllegalArgumentException("prefetchMinHits must be at least 1: " + prefetchMinHits);
        }
    }

    private static void requireSeconds(String what, Duration d) {
        if (d == null || d.isNegative() || d.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " must be between 0 and 2^31-1 seconds: " + d);
        }
    }

    /**
     * The options for the configured {@code settings}; prefetching off when the config turns it off.
     */
    public static CacheOptions of(CacheSettings settings) {
        return new CacheOptions(settings.enabled(), settings.maxEntries(), settings.minTtl(), settings.maxTtl(),
                settings.negativeMaxTtl(), settings.staleWindow(), settings.staleTtl(),
                settings.prefetch() ? settings.prefetchThreshold() : 0, settings.prefetchMinHits());
    }

    /**
     * 10,000 entries (about 4 MB, see {@link AnswerCache#ENTRY_OVERHEAD_BYTES}); TTLs as the upstream gave them up to
     * one day; negative answers at most one hour (RFC 2308 recommends one to three); expired answers kept one day
     * for serve-stale (RFC 8767 suggests one to three) and served with TTL 30 s; refresh an entry hit at least
     * twice when less than 10% of its lifetime is left.
     */
    public static CacheOptions defaults() {
        return new CacheOptions(true, 10_000, Duration.ZERO, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofDays(1), Duration.ofSeconds(30), 0.1, 2);
    }
}
