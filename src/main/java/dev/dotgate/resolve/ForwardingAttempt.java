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
 * number of attempts and the timeout timer. It is what an upstream sees of the query ({@link UpstreamQuery}): it
 * writes the upstream wire form from the exchange's bytes and completes the exchange with the answer. A lost
 * attempt is retried once, on another upstream when there is one; the timer (on the client's loop) answers
 * SERVFAIL when no answer came in time (counted as a timeout of the upstream tried last); the timer stops when the
 * exchange completes, however it does. Each attempt is told to the exchange's observer ({@code sentUpstream}).
 *
 * <p>One object per forwarded query, which is also the timer's task and the exchange's listener, so forwarding
 * allocates nothing else. The exchange's bytes are read under the exchange's monitor, so an upstream's loop and a
 * completion on the client's loop never race on them.
 */
public final class ForwardingAttempt implements UpstreamQuery, Exchange.Listener, Runnable {
    private static final Logger log = LoggerFactory.getLogger(ForwardingAttempt.class);
    /** The first attempt and one retry. */
    static final int MAX_ATTEMPTS = 2;

    private final Exchange exchange;
    private final UpstreamGroup route;
    private final QueryCounters counters;
    private volatile Upstream upstream;
    private volatile int attempts;
    private volatile long attemptNanos;
    private ScheduledFuture<?> timer; // on the loop

    ForwardingAttempt(Exchange exchange, UpstreamGroup route, QueryCounters counters) {
        this.exchange = exchange;
        this.route = route;
        this.counters = counters;
    }

    /** Starts forwarding: the timer, then the first attempt. On the exchange's loop. */
    void start(long timeoutMillis) {
        exchange.listen(this);
        exchange.forwardedBy(this);
        timer = exchange.loop().schedule(this, timeoutMillis, TimeUnit.MILLISECONDS);
        dispatch();
    }

    private void dispatch() {
        Upstream next = route.select(upstream);
        if (next == null) {
            if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "no upstream available")
                    && !exchange.isPrefetch()) {
                counters.servfailNoUpstream.increment();
            }
            return;
        }
        upstream = next;
        attemptNanos = System.nanoTime();
        attempts++;
        exchange.observer().sentUpstream(exchange, next, attempts);
        next.send(this);
    }

    /** The exchange this forwards. */
    public Exchange exchange() {
        return exchange;
    }

    /** The upstream of the latest attempt, or null before the first. */
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

    /** Nanoseconds since the latest attempt began. */
    public long attemptElapsedNanos() {
        return System.nanoTime() - attemptNanos;
    }

    /** The timeout: SERVFAIL unless answered before. On the loop. */
    @Override
    public void run() {
        if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, null) && !exchange.isPrefetch()) {
            counters.servfailTimeout.increment();
        }
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
            int at = out.writerIndex();
            if (lengthPrefix) {
                out.writeShort(0);
            }
            int len = Padding.writeQuery(query, exchange.info(), out, copy);
            if (lengthPrefix) {
                out.setShort(at, len);
                at += 2;
            }
            out.setShort(at, id);
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
        exchange.answer(answer, Decision.FORWARDED, null);
    }

    @Override
    public void lost(Throwable cause) {
        if (exchange.isDone()) {
            return;
        }
        Upstream failed = upstream;
        if (failed != null) {
            failed.counters().errors.increment();
        }
        if (attempts < MAX_ATTEMPTS) {
            counters.retries.increment();
            log.debug("retrying query after lost attempt: {}", cause.toString());
            dispatch();
        } else if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "attempts lost")
                && !exchange.isPrefetch()) {
            counters.servfailNoUpstream.increment();
        }
    }
}
