package dev.dotgate.cache;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One question on its way upstream: the query that asked first (the leader, which this listens to) and those
 * waiting for the same answer. The leader's upstream answer is stored and copied to every waiting query (its own
 * ID and letter case); its failure fails them too. Any of them that fails (the leader, or a waiting query at its
 * own timeout) is served the stale entry when there is one.
 *
 * <p>The leader completes on its loop, waiting queries may sit on other loops: they are completed from the
 * leader's loop and each delivers on its own. The waiting list is guarded by the flight's monitor.
 */
final class Flight implements Exchange.Listener {
    private final CachingResolver owner;
    private final CacheKey key;
    private final Exchange leader;
    private List<Exchange> waiting; // guarded by this; null when none
    private boolean finished; // guarded by this

    Flight(CachingResolver owner, CacheKey key, Exchange leader) {
        this.owner = owner;
        this.key = key;
        this.leader = leader;
    }

    /**
     * Adds {@code e} to the queries waiting, with its own timeout; false when the flight has finished or enough
     * wait already. On {@code e}'s loop.
     */
    boolean join(Exchange e) {
        synchronized (this) {
            if (finished || (waiting != null && waiting.size() >= CachingResolver.MAX_WAITING)) {
                return false;
            }
            if (waiting == null) {
                waiting = new ArrayList<>(4);
            }
            waiting.add(e);
        }
        // The leader may complete it from its loop meanwhile; the delivery comes to e's loop (this one) later, and
        // finds the listener.
        Waiter w = new Waiter(e);
        e.listen(w);
        if (!e.isDone()) {
            w.timer = e.loop().schedule(w, owner.timeoutMillis, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    private List<Exchange> finish() {
        owner.flights.remove(key, this);
        synchronized (this) {
            finished = true;
            List<Exchange> w = waiting;
            waiting = null;
            return w == null ? List.of() : w;
        }
    }

    @Override
    public void completed(Exchange exchange, ByteBuf reply) {
        if (exchange != leader) {
            return;
        }
        if (exchange.decision() == Decision.FORWARDED) {
            owner.cache.put(key, reply);
            for (Exchange w : finish()) {
                if (w.answerCopy(reply, Decision.FORWARDED, "coalesced")) {
                    owner.coalesced.increment();
                }
            }
        } else if (exchange.decision() == Decision.BOGUS) {
            // Failed validation: the others asked the same question and get the same SERVFAIL, with its EDE.
            for (Exchange w : finish()) {
                if (w.answerCopy(reply, Decision.BOGUS, exchange.reason())) {
                    owner.coalesced.increment();
                }
            }
        } else if (owner.flights.get(key) == this) {
            // Completed some other way than an upstream answer or failure: never leave a flight behind.
            for (Exchange w : finish()) {
                w.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "leader lost");
            }
        }
    }

    @Override
    public ByteBuf recover(Exchange exchange, int rcode, Decision decision) {
        if (exchange == leader) {
            for (Exchange w : finish()) {
                w.fail(rcode, decision, exchange.reason());
            }
        }
        if (exchange.isPrefetch()) {
            return null; // a failed prefetch: the entry it refreshes is still there
        }
        return owner.cache.stale(key, exchange.query(), exchange.alloc()); // counted by the cache
    }

    /** A waiting query's timeout, and its view of the outcome: stale on failure, the timer stopped on completion. */
    private final class Waiter implements Exchange.Listener, Runnable {
        private final Exchange exchange;
        ScheduledFuture<?> timer; // on the waiting query's loop

        Waiter(Exchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void run() {
            if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, null) && !exchange.isPrefetch()) {
                owner.counters.servfailTimeout.increment();
            }
        }

        @Override
        public ByteBuf recover(Exchange e, int rcode, Decision decision) {
            return Flight.this.recover(e, rcode, decision);
        }

        @Override
        public void completed(Exchange e, ByteBuf reply) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }
}
