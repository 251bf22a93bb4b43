package dev.dotgate.resolve;

import dev.dotgate.observe.Stats;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamGroup;
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

    private final UpstreamGroup upstreams;
    private final long timeoutMillis;
    private final Stats stats;

    public ForwardingResolver(UpstreamGroup upstreams, Duration timeout, Stats stats) {
        this.upstreams = upstreams;
        this.timeoutMillis = timeout.toMillis();
        this.stats = stats;
    }

    @Override
    public void resolve(Exchange exchange) {
        exchange.startTimer(timeoutMillis);
        dispatch(exchange);
    }

    private void dispatch(Exchange exchange) {
        Upstream upstream = upstreams.select(exchange.upstream());
        if (upstream == null) {
            if (exchange.fail(Dns.RCODE_SERVFAIL)) {
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
        if (exchange.attempts() < MAX_ATTEMPTS) {
            stats.retries.increment();
            log.debug("retrying query after lost attempt: {}", cause.toString());
            dispatch(exchange);
        } else if (exchange.fail(Dns.RCODE_SERVFAIL)) {
            stats.servfailNoUpstream.increment();
        }
    }
}
