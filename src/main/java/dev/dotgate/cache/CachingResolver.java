package dev.dotgate.cache;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cache step of the chain. A fresh entry answers at once (TTLs counted down, the client's ID and letter
 * case); a popular entry near expiry is also refreshed in the background (prefetch) so hits stay hits. On a miss,
 * the first query for a question goes on to {@code next} and identical queries arriving meanwhile wait for its
 * answer instead of going upstream again. Upstream answers are stored on their way out; when no upstream
 * answers, an expired entry inside the stale window is served instead of SERVFAIL (RFC 8767).
 */
public final class CachingResolver implements Resolver {
    /** Queries that may wait on one question in flight; beyond, they go upstream on their own. */
    static final int MAX_WAITING = 1024;

    private final AnswerCache cache;
    private final Resolver next;
    private final long timeoutMillis;
    private final CacheMeter meter;
    private final ConcurrentHashMap<CacheKey, Flight> flights = new ConcurrentHashMap<>();
    private final LongAdder prefetches = new LongAdder();
    private final LongAdder coalesced = new LongAdder();

    /** {@code timeoutMillis}: how long a waiting query waits before it fails (or is served stale). */
    public CachingResolver(AnswerCache cache, Resolver next, long timeoutMillis, CacheMeter meter) {
        this.meter = meter;
        this.cache = cache;
        this.next = next;
        this.timeoutMillis = timeoutMillis;
    }

    public AnswerCache cache() {
        return cache;
    }

    public long prefetches() {
        return prefetches.sum();
    }

    /** Queries answered with another query's upstream answer. */
    public long coalesced() {
        return coalesced.sum();
    }


    @Override
    public void resolve(Exchange exchange) {
        ByteBuf query = exchange.query();
        if ((dev.dotgate.wire.Dns.flags(query) & dev.dotgate.wire.Dns.FLAG_RD) == 0) {
            // A non-recursive query gets whatever the upstream has at hand (or a refusal): never stored, never
            // shared with recursive queries.
            next.resolve(exchange);
            return;
        }
        CacheKey key = CacheKey.of(query, exchange.info());
        CacheLookup hit = cache.lookup(key, query, exchange.alloc());
        if (hit.hit()) {
            meter.hit();
            Exchange refresh = hit.prefetchDue() ? exchange.internalCopy(Responder.DISCARD) : null;
            exchange.answer(hit.answer(), Decision.CACHED, null);
            if (refresh != null) {
                prefetch(key, refresh);
            }
            return;
        }
        meter.miss();
        for (int tries = 0; tries < 2; tries++) {
            Flight flight = new Flight(key, exchange);
            Flight running = flights.putIfAbsent(key, flight);
            if (running == null) {
                exchange.hook(flight);
                next.resolve(exchange);
                return;
            }
            exchange.hook(running); // before joining: a failure of the leader right after must find it
            if (running.join(exchange)) {
                if (!exchange.isDone()) {
                    exchange.startTimer(timeoutMillis);
                }
                return;
            }
        }
        exchange.hook(new Flight(key, exchange)); // many waiting already: go alone, still cache the answer
        next.resolve(exchange);
    }

    private void prefetch(CacheKey key, Exchange refresh) {
        Flight flight = new Flight(key, refresh);
        if (flights.putIfAbsent(key, flight) != null) {
            refresh.fail(dev.dotgate.wire.Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "already in flight");
            return;
        }
        prefetches.increment();
        meter.prefetch();
        refresh.hook(flight);
        next.resolve(refresh);
    }

    /** One question on its way upstream: the query that asked first, and those waiting for the same answer. */
    private final class Flight implements Exchange.CompletionHook {
        private final CacheKey key;
        private final Exchange leader;
        private List<Exchange> waiting; // guarded by this; null when none
        private boolean finished; // guarded by this

        Flight(CacheKey key, Exchange leader) {
            this.key = key;
            this.leader = leader;
        }

        synchronized boolean join(Exchange e) {
            if (finished || (waiting != null && waiting.size() >= MAX_WAITING)) {
                return false;
            }
            if (waiting == null) {
                waiting = new ArrayList<>(4);
            }
            waiting.add(e);
            return true;
        }

        private List<Exchange> finish() {
            flights.remove(key, this);
            synchronized (this) {
                finished = true;
                List<Exchange> w = waiting;
                waiting = null;
                return w == null ? List.of() : w;
            }
        }

        @Override
        public void answered(Exchange exchange, ByteBuf answer) {
            if (exchange != leader) {
                return; // a waiting query being answered with the leader's answer
            }
            cache.put(key, answer);
            for (Exchange w : finish()) {
                if (w.answerCopy(answer, Decision.FORWARDED, "coalesced")) {
                    coalesced.increment();
                }
            }
        }

        @Override
        public void completed(Exchange exchange) {
            if (exchange == leader && flights.get(key) == this) {
                // Completed some other way than an upstream answer or failure: never leave a flight behind.
                for (Exchange w : finish()) {
                    w.fail(dev.dotgate.wire.Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "leader lost");
                }
            }
        }

        @Override
        public ByteBuf failing(Exchange exchange, int rcode, Decision decision) {
            if (exchange == leader) {
                for (Exchange w : finish()) {
                    w.fail(rcode, decision, exchange.reason());
                }
            }
            if (exchange.isPrefetch()) {
                return null; // a failed prefetch: the entry it refreshes is still there
            }
            ByteBuf stale = cache.stale(key, exchange.query(), exchange.alloc());
            if (stale != null) {
                meter.stale();
            }
            return stale;
        }
    }
}
