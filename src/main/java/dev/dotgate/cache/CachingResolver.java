package dev.dotgate.cache;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryCounters;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cache stage of the chain. A fresh entry answers at once (TTLs counted down, the client's ID and letter
 * case); a popular entry near expiry is also refreshed in the background (prefetch) so hits stay hits. On a miss,
 * the first query for a question goes on to {@code next} and identical queries arriving meanwhile wait for its
 * answer instead of going upstream again ({@link Flight}). Upstream answers are stored on their way out; when no
 * upstream answers, an expired entry inside the stale window is served instead of SERVFAIL (RFC 8767). The stage
 * sees the outcome through the flight, a listener on the exchange.
 */
public final class CachingResolver implements Resolver {
    /** Queries that may wait on one question in flight; beyond, they go upstream on their own. */
    static final int MAX_WAITING = 1024;

    final AnswerCache cache;
    private final Resolver next;
    final long timeoutMillis;
    final QueryCounters counters;
    final ConcurrentHashMap<CacheKey, Flight> flights = new ConcurrentHashMap<>();
    final LongAdder coalesced = new LongAdder();

    /**
     * {@code timeoutMillis}: how long a waiting query waits before it fails (or is served stale), counted in
     * {@code counters} like a forwarded query's timeout.
     */
    public CachingResolver(AnswerCache cache, Resolver next, long timeoutMillis, QueryCounters counters) {
        this.cache = cache;
        this.next = next;
        this.timeoutMillis = timeoutMillis;
        this.counters = counters;
    }

    public AnswerCache cache() {
        return cache;
    }

    /**
     * Prefetches sent: the one count, {@link CacheCounters#prefetches} of this stage's cache (hits, misses and
     * stale answers are counted by the cache's lookups); it goes on across a reload.
     */
    public long prefetches() {
        return cache.counters().prefetches.sum();
    }

    /** Queries answered with another query's upstream answer. */
    public long coalesced() {
        return coalesced.sum();
    }

    /** Questions on their way upstream now (each with the queries waiting on it). */
    int flightsInProgress() {
        return flights.size();
    }

    @Override
    public void resolve(Exchange exchange) {
        ByteBuf query = exchange.query();
        if ((Dns.flags(query) & Dns.FLAG_RD) == 0) {
            // A non-recursive query gets whatever the upstream has at hand (or a refusal): never stored, never
            // shared with recursive queries.
            next.resolve(exchange);
            return;
        }
        CacheKey key = CacheKey.of(query, exchange.info());
        CacheLookup hit = cache.lookup(key, query, exchange.alloc());
        if (hit.hit()) {
            Exchange refresh = hit.prefetchDue() ? exchange.internalCopy(Responder.DISCARD) : null;
            exchange.answer(hit.answer(), Decision.CACHED, null);
            if (refresh != null) {
                prefetch(key, refresh);
            }
            return;
        }
        for (int tries = 0; tries < 2; tries++) {
            Flight flight = new Flight(this, key, exchange);
            Flight running = flights.putIfAbsent(key, flight);
            if (running == null) {
                exchange.listen(flight);
                next.resolve(exchange);
                return;
            }
            if (running.join(exchange)) {
                return;
            }
        }
        exchange.listen(new Flight(this, key, exchange)); // many waiting already: go alone, still cache the answer
        next.resolve(exchange);
    }

    private void prefetch(CacheKey key, Exchange refresh) {
        Flight flight = new Flight(this, key, refresh);
        if (flights.putIfAbsent(key, flight) != null) {
            refresh.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "already in flight");
            return;
        }
        cache.counters().prefetches.increment();
        refresh.listen(flight);
        next.resolve(refresh);
    }
}
