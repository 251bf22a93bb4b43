package dev.dotgate.config;

import java.time.Duration;

/**
 * The answer cache as configured ({@code [cache]}); the cache package makes its options from it.
 *
 * @param enabled         when false nothing is stored
 * @param maxEntries      answers kept at most
 * @param minTtl          floor of the TTLs kept
 * @param maxTtl          ceiling of the TTLs kept
 * @param negativeMaxTtl  ceiling of the lifetime of NXDOMAIN and NODATA answers
 * @param staleWindow     how long an expired answer may still be served when no upstream answers
 * @param prefetch        whether an entry near its expiry is refreshed early
 * @param prefetchMinHits hits an entry needs before it is refreshed early
 * @param staleTtl        the TTL of a stale answer's records (30 s, RFC 8767 section 4); not configurable
 * @param prefetchThreshold fraction of the lifetime left under which a hit (with {@code prefetch}) asks for a
 *                        refresh; not configurable
 */
public record CacheSettings(
        @Setting(key = "cache.enabled", flag = "--no-cache", dflt = "true", doc = "answer repeats from memory")
        boolean enabled,
        @Setting(key = "cache.max_entries", dflt = "100000", min = 1, max = 100_000_000, doc = "entries at most "
                + "(about 340 bytes each for a typical answer, so about 34 MB when full)")
        int maxEntries,
        @Setting(key = "cache.min_ttl", dflt = "\"0s\"", check = Setting.Check.TTL, doc = "floor of the TTLs kept")
        Duration minTtl,
        @Setting(key = "cache.max_ttl", dflt = "\"1d\"", check = Setting.Check.TTL, doc = "ceiling of the TTLs kept")
        Duration maxTtl,
        @Setting(key = "cache.negative_max_ttl", dflt = "\"1h\"", check = Setting.Check.TTL,
                doc = "NXDOMAIN/NODATA are kept for the SOA minimum (RFC 2308), at most this")
        Duration negativeMaxTtl,
        @Setting(key = "cache.stale_window", dflt = "\"1d\"", check = Setting.Check.TTL, doc = "an expired answer "
                + "is still served (TTL 30) for this long when no upstream answers (RFC 8767); `0s` turns "
                + "serve-stale off")
        Duration staleWindow,
        @Setting(key = "cache.prefetch", dflt = "true", doc = "refresh an entry hit at least "
                + "`cache.prefetch_min_hits` times when less than 10% of its TTL is left")
        boolean prefetch,
        @Setting(key = "cache.prefetch_min_hits", dflt = "2", min = 1, max = 1_000_000,
                doc = "hits an entry needs before it is refreshed early")
        int prefetchMinHits,
        @Setting(key = "cache.stale_ttl", internal = true, dflt = "\"30s\"", check = Setting.Check.TTL,
                doc = "TTL of the records of a stale answer (RFC 8767)")
        Duration staleTtl,
        @Setting(key = "cache.prefetch_threshold", internal = true, dflt = "0.1",
                doc = "fraction of the lifetime left under which a hit asks for a refresh")
        double prefetchThreshold) {

    public CacheSettings {
        if (maxTtl.isZero()) {
            throw ConfigException.of("cache.max_ttl", Durations.format(maxTtl), "must be at least 1s (to turn the "
                    + "cache off, set cache.enabled = false)");
        }
        if (minTtl.compareTo(maxTtl) > 0) {
            throw ConfigException.of("cache.min_ttl", Durations.format(minTtl), "is longer than cache.max_ttl ("
                    + Durations.format(maxTtl) + ")");
        }
    }
}
