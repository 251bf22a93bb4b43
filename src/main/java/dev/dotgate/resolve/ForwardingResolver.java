package dev.dotgate.resolve;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The last stage of the chain: picks the route for the query's name and forwards it there through one
 * {@link ForwardingAttempt} (retry once when an attempt is lost, SERVFAIL at the timeout or when no upstream can
 * take it).
 */
public final class ForwardingResolver implements Resolver {
    private final Supplier<Routes> routes;
    private final long timeoutMillis;
    private final QueryCounters counters;

    /** {@code routes} is read once per query, so a reload takes effect with the next query. */
    public ForwardingResolver(Supplier<Routes> routes, Duration timeout, QueryCounters counters) {
        this.routes = routes;
        this.timeoutMillis = timeout.toMillis();
        this.counters = counters;
    }

    @Override
    public void resolve(Exchange exchange) {
        new ForwardingAttempt(exchange, routes.get().groupFor(exchange.query()), counters).start(timeoutMillis);
    }
}
