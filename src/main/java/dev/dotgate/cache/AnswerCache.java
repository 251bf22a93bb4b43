package dev.dotgate.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.dotgate.wire.AnswerTtls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Upstream answers kept as wire bytes, keyed by {@link CacheKey}, served as copies with the TTLs counted down.
 * Nothing is decoded beyond one walk over the records at {@link #put} time. Each entry lives for its TTL plus the
 * stale window: while fresh it is a hit for {@link #lookup}, after that only {@link #stale} serves it (RFC 8767).
 * Bounded by {@link CacheOptions#maxEntries()}; Caffeine decides what to evict. Thread-safe: called from every
 * event loop. Cache maintenance and removal bookkeeping run on the calling thread (no background executor).
 */
public final class AnswerCache {
    /**
     * Heap used per entry besides its answer bytes: the answer array's header, the key (object and name array), the
     * entry object and its TTL offset array, Caffeine's node with its access and expiry links, the hash table slot
     * and the frequency sketch. Measured by AnswerCacheMemoryTest (JDK 17, G1, compressed oops): a full cache of
     * 100,000 A answers of 72 bytes each (29-byte names, EDNS) took 334 to 339 bytes per entry, so 262 to 267
     * besides the answer. Longer names add about twice their length (the key holds the name as well as the answer).
     */
    public static final int ENTRY_OVERHEAD_BYTES = 264;

    private static final long NANOS = 1_000_000_000L;

    private final CacheOptions options;
    private final Ticker ticker;
    private final Cache<CacheKey, CachedAnswer> cache;
    private final long staleNanos;

    private final CacheCounters counters;
    private final LongAdder inserts = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder expirations = new LongAdder();
    private final LongAdder storedBytes = new LongAdder();
    private final Map<PutResult, LongAdder> notCacheable = new EnumMap<>(PutResult.class);

    public AnswerCache(CacheOptions options) {
        this(options, Ticker.systemTicker());
    }

    /** With the clock {@code ticker} (nanoseconds, only differences matter), so tests can move time. */
    public AnswerCache(CacheOptions options, Ticker ticker) {
        this(options, ticker, new CacheCounters());
    }

    /** Counting hits, misses and stale answers into {@code counters}, which may outlive this cache. */
    public AnswerCache(CacheOptions options, Ticker ticker, CacheCounters counters) {
        this.options = options;
        this.ticker = ticker;
        this.counters = java.util.Objects.requireNonNull(counters, "counters");
        this.staleNanos = options.staleWindow().getSeconds() * NANOS;
        for (PutResult r : PutResult.values()) {
            if (!r.stored()) {
                notCacheable.put(r, new LongAdder());
            }
        }
        this.cache = Caffeine.newBuilder()
                .maximumSize(options.enabled() ? options.maxEntries() : 0)
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfter(new Lifetime())
                .removalListener(this::removed)
                .build();
    }

    /** Fresh for the TTL, then kept for the stale window. */
    private final class Lifetime implements Expiry<CacheKey, CachedAnswer> {
        @Override
        public long expireAfterCreate(CacheKey key, CachedAnswer value, long currentTime) {
            return value.ttlNanos() + staleNanos;
        }

        @Override
        public long expireAfterUpdate(CacheKey key, CachedAnswer value, long currentTime, long currentDuration) {
            return value.ttlNanos() + staleNanos;
        }

        @Override
        public long expireAfterRead(CacheKey key, CachedAnswer value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    private void removed(CacheKey key, CachedAnswer value, RemovalCause cause) {
        if (value != null) {
            storedBytes.add(-value.message.length);
        }
        if (cause == RemovalCause.SIZE) {
            evictions.increment();
        } else if (cause == RemovalCause.EXPIRED) {
            expirations.increment();
        }
    }

    public CacheOptions options() {
        return options;
    }

    /**
     * Stores a copy of {@code answer}'s readable bytes under {@code key} when it may be cached, replacing any entry
     * there. Does not take ownership of {@code answer} or move its indexes. TTLs are clamped in the stored copy:
     * positive answers to [minTtl, maxTtl]; in negative answers every TTL is capped at the negative lifetime,
     * min(SOA TTL, SOA MINIMUM, other TTLs, negativeMaxTtl).
     */
    public PutResult put(CacheKey key, ByteBuf answer) {
        if (!options.enabled()) {
            return rejected(PutResult.DISABLED);
        }
        AnswerScan scan = AnswerScan.of(answer, key);
        if (scan.problem != null) {
            return rejected(scan.problem);
        }
        AnswerTtls ttls = scan.ttls;
        long floor;
        long ceiling;
        if (scan.negative) {
            if (ttls.negativeTtl() == AnswerTtls.NONE) {
                return rejected(PutResult.NEGATIVE_WITHOUT_SOA);
            }
            floor = 0;
            ceiling = Math.min(ttls.min(), options.negativeMaxTtl().getSeconds());
        } else {
            floor = options.minTtl().getSeconds();
            ceiling = options.maxTtl().getSeconds();
        }
        long lifetime = Math.max(floor, Math.min(ceiling, ttls.min()));
        if (lifetime <= 0) {
            return rejected(PutResult.ZERO_TTL);
        }
        byte[] message = ByteBufUtil.getBytes(answer);
        for (int k = 0; k < ttls.count(); k++) {
            writeInt(message, ttls.offset(k), (int) Math.max(floor, Math.min(ceiling, ttls.ttl(k))));
        }
        CachedAnswer entry = new CachedAnswer(message, ttls.offsets(), ticker.read(), (int) lifetime, scan.negative);
        storedBytes.add(message.length);
        cache.put(key, entry);
        inserts.increment();
        return scan.negative ? PutResult.NEGATIVE : PutResult.POSITIVE;
    }

    private PutResult rejected(PutResult why) {
        notCacheable.get(why).increment();
        return why;
    }

    private static void writeInt(byte[] b, int offset, int v) {
        b[offset] = (byte) (v >>> 24);
        b[offset + 1] = (byte) (v >>> 16);
        b[offset + 2] = (byte) (v >>> 8);
        b[offset + 3] = (byte) v;
    }

    /**
     * The fresh answer for {@code query}, whose key is {@code key}: a new buffer (the caller owns it) with the
     * query's ID, RD bit and question bytes, every TTL decremented by the whole seconds since it was stored.
     * {@link CacheLookup#prefetchDue()} is true on the single hit that finds the entry hit at least
     * prefetchMinHits times and in the last prefetchThreshold of its lifetime. An expired entry is a miss here.
     * Does not take ownership of {@code query}.
     */
    public CacheLookup lookup(CacheKey key, ByteBuf query, ByteBufAllocator alloc) {
        CachedAnswer entry = cache.getIfPresent(key);
        if (entry == null) {
            counters.misses.increment();
            return CacheLookup.MISS;
        }
        long age = Math.max(0, ticker.read() - entry.storedNanos);
        long ttlNanos = entry.ttlNanos();
        if (age >= ttlNanos) {
            counters.misses.increment();
            return CacheLookup.MISS;
        }
        int count = entry.hit(options.prefetchMinHits());
        boolean prefetch = count >= options.prefetchMinHits()
                && ttlNanos - age < options.prefetchThreshold() * ttlNanos
                && entry.claimPrefetch();
        counters.hits.increment();
        return new CacheLookup(entry.copyFor(query, key.nameLength() + 4, alloc, age / NANOS, -1), prefetch);
    }

    /**
     * An expired answer still inside the stale window, for when no upstream answered: a new buffer (the caller owns
     * it) patched like {@link #lookup}'s but with every TTL set to staleTtl (RFC 8767); null when there is none. An
     * entry that has been refreshed since the caller's lookup missed is served fresh instead, counted as a hit.
     */
    public ByteBuf stale(CacheKey key, ByteBuf query, ByteBufAllocator alloc) {
        CachedAnswer entry = cache.getIfPresent(key);
        if (entry == null) {
            return null;
        }
        long age = Math.max(0, ticker.read() - entry.storedNanos);
        int questionLength = key.nameLength() + 4;
        if (age < entry.ttlNanos()) {
            counters.hits.increment();
            return entry.copyFor(query, questionLength, alloc, age / NANOS, -1);
        }
        if (age >= entry.ttlNanos() + staleNanos) {
            return null; // Caffeine has not swept it yet
        }
        counters.stale.increment();
        return entry.copyFor(query, questionLength, alloc, 0, (int) options.staleTtl().getSeconds());
    }

    /** Drops every entry. */
    public void invalidateAll() {
        cache.invalidateAll();
    }

    /** Runs pending maintenance (expiry, eviction) now; for tests and exact figures. */
    void cleanUp() {
        cache.cleanUp();
    }

    /** Entries held, fresh or stale (approximate while other threads write). */
    public long size() {
        return cache.estimatedSize();
    }

    /** Heap taken by the cache: the stored answers plus {@link #ENTRY_OVERHEAD_BYTES} per entry. */
    public long estimatedBytes() {
        return storedBytes.sum() + size() * ENTRY_OVERHEAD_BYTES;
    }

    /** Where hits, misses and stale answers are counted (shared with earlier caches of the same gateway). */
    public CacheCounters counters() {
        return counters;
    }

    /** Fresh answers served, as counted in {@link #counters()}. */
    public long hits() {
        return counters.hits.sum();
    }

    /** Lookups that found nothing fresh. */
    public long misses() {
        return counters.misses.sum();
    }

    /** Expired answers served by {@link #stale}. */
    public long staleHits() {
        return counters.stale.sum();
    }

    /** Answers stored (including replacements). */
    public long inserts() {
        return inserts.sum();
    }

    /** Entries removed to stay within maxEntries. */
    public long evictions() {
        return evictions.sum();
    }

    /** Entries removed at the end of their stale window. */
    public long expirations() {
        return expirations.sum();
    }

    /** Answers {@link #put} refused for {@code reason} (0 for the results that store). */
    public long notCacheable(PutResult reason) {
        LongAdder a = notCacheable.get(reason);
        return a == null ? 0 : a.sum();
    }
}
