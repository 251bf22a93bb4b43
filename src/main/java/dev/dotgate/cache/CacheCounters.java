package dev.dotgate.cache;

import java.util.concurrent.atomic.LongAdder;

/**
 * The answer cache's lookup counts, kept once, here: {@link AnswerCache} bumps hits, misses and stale answers as it
 * serves them, and the cache stage counts the prefetches it sends. The metrics ({@code dotgate_cache_lookups_total},
 * {@code dotgate_cache_prefetches_total}) and the shutdown totals both read these adders. One instance lives as long
 * as the gateway and is handed to each {@link AnswerCache} it builds, so the counts go on across a reload that
 * replaces the cache. Thread-safe and cheap to bump from any event loop.
 */
public final class CacheCounters {
    /** Fresh answers served (by a lookup, or by {@link AnswerCache#stale} finding the entry refreshed). */
    public final LongAdder hits = new LongAdder();
    /** Lookups that found nothing fresh. */
    public final LongAdder misses = new LongAdder();
    /** Expired answers served inside the stale window because no upstream answered (RFC 8767). */
    public final LongAdder stale = new LongAdder();
    /** Popular entries near expiry sent upstream for a refresh. */
    public final LongAdder prefetches = new LongAdder();
}
