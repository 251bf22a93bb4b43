package dev.dotgate.resolve;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.upstream.UpstreamQuery;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Questions;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All the forwarding state of one query: the route (its upstream group), the upstream of the latest attempt, the
 * number of attempts and the timer. It is what an upstream sees of the query ({@link UpstreamQuery}): it writes
 * the upstream wire form from the exchange's bytes and completes the exchange with the answer. A lost attempt is
 * retried once, on another upstream when there is one; the timer (on the client's loop) answers SERVFAIL when no
 * answer came in time (counted as a timeout of the upstream tried last); the timer stops when the exchange
 * completes, however it does. Each attempt is told to the exchange's observer ({@code sentUpstream}).
 *
 * <p>Hedging: when the group hedges (or the upstream has its own, shorter timeout), the timer first fires at the
 * chosen upstream's {@link UpstreamGroup#secondSendDelayNanos second-send delay}; if no answer came by then, the
 * query is also sent to the next upstream (a {@link Hedge}, the second attempt) and whichever answers first
 * completes it. Every answer is a round-trip sample for its upstream's {@link UpstreamHealth}, and every lost or
 * timed-out attempt a failure.
 *
 * <p>One object per forwarded query, which is also the timer's task and the exchange's listener, so forwarding
 * allocates nothing else unless it hedges. The exchange's bytes are read under the exchange's monitor, so an
 * upstream's loop and a completion on the client's loop never race on them.
 */
public final class ForwardingAttempt implements UpstreamQuery, Exchange.Listener, Runnable {
    private static final Logger log = LoggerFactory.getLogger(ForwardingAttempt.class);
    /** The first attempt and one retry (or hedge). */
    static final int MAX_ATTEMPTS = 2;

    private final Exchange exchange;
    private final UpstreamGroup route;
    private final QueryCounters counters;
    private volatile Upstream upstream;
    private volatile int attempts;
    private volatile long attemptNanos;
    private int pending;        // guarded by this: attempts sent and neither answered nor lost
    private volatile Hedge hedge; // written under this: the second send, while it may still answer
    private long deadlineNanos; // on the loop
    private ScheduledFuture<?> timer; // on the loop

    ForwardingAttempt(Exchange exchange, UpstreamGroup route, QueryCounters counters) {
        this.exchange = exchange;
        this.route = route;
        this.counters = counters;
    }

    /** Starts forwarding: the first attempt, then the timer. On the exchange's loop. */
    void start(long timeoutMillis) {
        exchange.listen(this);
        exchange.forwardedBy(this);
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        deadlineNanos = exchange.loop().ticker().nanoTime() + timeoutNanos; // the loop's clock, as its timers
        Upstream first = dispatch();
        long second = first == null ? -1 : route.secondSendDelayNanos(first, timeoutNanos / 3);
        if (!exchange.isDone()) {
            timer = exchange.loop().schedule(this, second > 0 ? second : timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Sends the query to the next upstream in the group; the upstream sent to, or null when none could be. */
    private Upstream dispatch() {
        Upstream next = route.select(upstream);
        if (next == null) {
            if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "no upstream available")
                    && !exchange.isPrefetch()) {
                counters.servfailNoUpstream.increment();
            }
            return null;
        }
        if (attempts == 0) {
            // The first attempt, from start(): nothing else sees this object yet, and send() hands it over.
            upstream = next;
            attemptNanos = System.nanoTime();
            attempts = 1;
            pending = 1;
        } else {
            synchronized (this) {
                upstream = next;
                attemptNanos = System.nanoTime();
                attempts++;
                pending++;
            }
        }
        exchange.observer().sentUpstream(exchange, next, attempts);
        next.send(this);
        return next;
    }

    /** The exchange this forwards. */
    public Exchange exchange() {
        return exchange;
    }

    /** The upstream of the latest attempt (the one that answered, once answered), or null before the first. */
    public Upstream upstream() {
        return upstream;
    }

    /** The upstreams this query may go to. */
    public UpstreamGroup route() {
        return route;
    }

    /** Attempts made so far. */
    public int attempts() {
        return attempts;
    }

    /** Nanoseconds since the latest attempt began (the answering one's, once answered). */
    public long attemptElapsedNanos() {
        return System.nanoTime() - attemptNanos;
    }

    /** The timer: a second send when due, else SERVFAIL at the deadline unless answered before. On the loop. */
    @Override
    public void run() {
        if (exchange.isDone()) {
            return;
        }
        long now = exchange.loop().ticker().nanoTime();
        if (now - deadlineNanos < 0) {
            sendSecond();
            if (!exchange.isDone()) {
                timer = exchange.loop().schedule(this, deadlineNanos - now, TimeUnit.NANOSECONDS);
            }
            return;
        }
        synchronized (this) {
            Upstream u = upstream;
            if (u != null) {
                u.health().failed();
            }
            if (hedge != null) {
                hedge.second.health().failed();
            }
        }
        if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, null) && !exchange.isPrefetch()) {
            counters.servfailTimeout.increment();
        }
    }

    /** The first attempt has waited its usual time: the next upstream is asked too, budget allowing. */
    private void sendSecond() {
        Upstream first;
        synchronized (this) {
            if (attempts >= MAX_ATTEMPTS || pending == 0) {
                return; // retried already after a loss, or being retried
            }
            first = upstream;
        }
        Upstream next = route.select(first);
        if (next == null || next == first || !route.takeHedge()) {
            return;
        }
        Hedge h = new Hedge(this, first, next);
        synchronized (this) {
            hedge = h;
            attempts++;
            pending++;
        }
        next.counters().hedges.increment();
        counters.hedges.increment();
        exchange.observer().sentUpstream(exchange, next, attempts);
        next.send(h);
    }

    @Override
    public void completed(Exchange e, ByteBuf reply) {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        // The upstream's timeouts: this query timed out on it (answered SERVFAIL, or stale instead). Counted here,
        // before the reply goes out, as the observer counted them before; a prefetch's are not counted.
        Decision d = e.decision();
        Upstream u = upstream;
        if (u != null && !e.isPrefetch() && (d == Decision.UPSTREAM_TIMEOUT
                || (d == Decision.STALE && Decision.UPSTREAM_TIMEOUT.label().equals(e.reason())))) {
            u.counters().timeouts.increment();
        }
    }

    @Override
    public QueryInfo info() {
        return exchange.info();
    }

    @Override
    public boolean isDone() {
        return exchange.isDone();
    }

    @Override
    public int maxLength(Padding.Hop hop) {
        return Padding.maxQueryLength(exchange.queryLength(), hop);
    }

    @Override
    public boolean write(ByteBuf out, int id, Padding.UpstreamCopy copy, boolean lengthPrefix) {
        synchronized (exchange) {
            ByteBuf query = exchange.bytesLocked();
            if (query == null) {
                return false;
            }
            Padding.writeUpstreamQuery(query, exchange.info(), out, copy, id, lengthPrefix);
            return true;
        }
    }

    @Override
    public boolean matches(ByteBuf answer) {
        synchronized (exchange) {
            ByteBuf query = exchange.bytesLocked();
            return query != null && Questions.sameQuestion(query, answer);
        }
    }

    @Override
    public void restoreQuestion(ByteBuf answer) {
        synchronized (exchange) {
            ByteBuf query = exchange.bytesLocked();
            if (query != null) {
                int nameLength = exchange.info().questionEnd() - Dns.HEADER_LENGTH - 4;
                answer.setBytes(answer.readerIndex() + Dns.HEADER_LENGTH, query,
                        query.readerIndex() + Dns.HEADER_LENGTH, nameLength);
            }
        }
    }

    @Override
    public void complete(ByteBuf answer) {
        if (hedge == null) { // no second send out: the common case, no lock
            Upstream u = upstream;
            long rtt = System.nanoTime() - attemptNanos;
            if (!exchange.isDone() && u != null) {
                u.health().answered(rtt);
            }
            exchange.answer(answer, Decision.FORWARDED, null);
            return;
        }
        Upstream u;
        long rtt;
        Hedge h;
        synchronized (this) {
            u = upstream;
            h = hedge;
            rtt = System.nanoTime() - attemptNanos;
            if (h != null) {
                // Sent to the hedge last: this answer is the first upstream's, its time counts from its own send.
                u = h.first;
                rtt = System.nanoTime() - h.firstNanos;
                if (!exchange.isDone()) {
                    upstream = u;
                    attemptNanos = h.firstNanos;
                }
            }
        }
        if (!exchange.isDone()) {
            u.health().answered(rtt);
        }
        exchange.answer(answer, Decision.FORWARDED, null);
    }

    /** The hedge answered: the second upstream is now the one that answered, the first is at least this slow. */
    void hedgeAnswered(Hedge h, ByteBuf answer) {
        if (!exchange.isDone()) {
            long now = System.nanoTime();
            synchronized (this) {
                upstream = h.second;
                attemptNanos = h.sentNanos;
            }
            h.second.health().answered(now - h.sentNanos);
            h.first.health().outrun(now - h.firstNanos);
            h.second.counters().hedgeWins.increment();
            counters.hedgeWins.increment();
        }
        exchange.answer(answer, Decision.FORWARDED, null);
    }

    @Override
    public void lost(Throwable cause) {
        Upstream failed;
        synchronized (this) {
            failed = hedge != null ? hedge.first : upstream;
        }
        lostOn(failed, cause);
    }

    /** An attempt on {@code failed} was lost: retried when it was the only one out and one attempt is left. */
    void lostOn(Upstream failed, Throwable cause) {
        if (exchange.isDone()) {
            return;
        }
        boolean retry;
        boolean last;
        synchronized (this) {
            pending--;
            last = pending <= 0;
            retry = last && attempts < MAX_ATTEMPTS;
            if (retry) {
                hedge = null;
                upstream = failed;
            }
        }
        if (failed != null) {
            failed.counters().errors.increment();
            failed.health().failed();
        }
        if (!last) {
            return; // the other attempt may still answer
        }
        if (retry) {
            counters.retries.increment();
            log.debug("retrying query after lost attempt: {}", cause.toString());
            dispatch();
        } else if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "attempts lost")
                && !exchange.isPrefetch()) {
            counters.servfailNoUpstream.increment();
        }
    }

    /**
     * The second send of a hedged query: what the second upstream sees. It reads and writes through the attempt,
     * and tells the attempt which upstream answered or lost it.
     */
    static final class Hedge implements UpstreamQuery {
        final ForwardingAttempt attempt;
        final Upstream first;
        final long firstNanos;
        final Upstream second;
        final long sentNanos = System.nanoTime();

        Hedge(ForwardingAttempt attempt, Upstream first, Upstream second) {
            this.attempt = attempt;
            this.first = first;
            this.firstNanos = attempt.attemptNanos;
            this.second = second;
        }

        @Override
        public QueryInfo info() {
            return attempt.info();
        }

        @Override
        public boolean isDone() {
            return attempt.isDone();
        }

        @Override
        public int maxLength(Padding.Hop hop) {
            return attempt.maxLength(hop);
        }

        @Override
        public boolean write(ByteBuf out, int id, Padding.UpstreamCopy copy, boolean lengthPrefix) {
            return attempt.write(out, id, copy, lengthPrefix);
        }

        @Override
        public boolean matches(ByteBuf answer) {
            return attempt.matches(answer);
        }

        @Override
        public void restoreQuestion(ByteBuf answer) {
            attempt.restoreQuestion(answer);
        }

        @Override
        public void complete(ByteBuf answer) {
            attempt.hedgeAnswered(this, answer);
        }

        @Override
        public void lost(Throwable cause) {
            attempt.lostOn(second, cause);
        }
    }
}
