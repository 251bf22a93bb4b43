package dev.dotgate.resolve;

import dev.dotgate.observe.Stats;
import dev.dotgate.upstream.Routes;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamGroup;
import java.util.function.Supplier;
import dev.dotgate.wire.Dns;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of the chain: sends the query to an upstream, retries once on another connection when an attempt
 * is lost, and answers SERVFAIL when the upstream timeout passes or no upstream can take the query.
 */
public final class ForwardingResolver implements Resolver, Exchange.LossHandler {
    private static final Logger log = LoggerFactory.getLogger(ForwardingResolver.class);
    /** The first attempt and one retry. */
    static final int MAX_ATTEMPTS = 2;

    private final Supplier<Routes> routes;
    private final long timeoutMillis;
    private final Stats stats;

    /** {@code routes} is read once per query, so a reload takes effect with the next query. */
    public ForwardingResolver(Supplier<Routes> routes, Duration timeout, Stats stats) {
        this.routes = routes;
        this.timeoutMillis = timeout.toMillis();
        this.stats = stats;
    }

    @Override
    public void resolve(Exchange exchange) {
        exchange.route(routes.get().groupFor(exchange.query()));
        exchange.startTimer(timeoutMillis);
        dispatch(exchange);
    }

    private void dispatch(Exchange exchange) {
        UpstreamGroup group = exchange.route();
        Upstream upstream = group.select(exchange.upstream());
        if (upstream == null) {
            if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "no upstream available")
                    && !exchange.isPrefetch()) {
                stats.servfailNoUpstream.increment();
            }
            return;
        }
        exchange.beginAttempt(upstream, this);
        upstream.send(exchange);
    }

    @Override
    public void lost(Exchange exchange, Throwable cause) {
        if (exchange.isDone()) {
            return;
        }
        Upstream failed = exchange.upstream();
        if (failed != null) {
            failed.counters().errors.increment();
        }
        if (exchange.attempts() < MAX_ATTEMPTS) {
            stats.retries.increment();
            log.debug("retrying query after lost attempt: {}", cause.toString());
            dispatch(exchange);
        } else if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "attempts lost")
                && !exchange.isPrefetch()) {
            stats.servfailNoUpstream.increment();
        }
    }
}
