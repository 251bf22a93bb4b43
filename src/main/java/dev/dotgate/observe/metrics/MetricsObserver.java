package dev.dotgate.observe.metrics;

import dev.dotgate.observe.events.QueryEvent;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * The metrics of each client query: counted by transport, rcode and decision with its latency when answered or
 * failed ({@link Metrics#query}), and the upstream's latency when an upstream answered it; a dropped message is
 * counted with rcode "none". Allocation-free once a label combination has been seen. (An upstream's timeouts are
 * counted where they happen, by the forwarding attempt.)
 */
public final class MetricsObserver implements QueryLifecycleObserver {
    private final Metrics metrics;

    public MetricsObserver(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void completed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
        Decision decision = exchange.decision();
        metrics.query(exchange.transport(), exchange.rcode(), decision, elapsedNanos);
        int ede = exchange.ede(reply);
        if (ede >= 0) {
            metrics.extendedError(ede, decision);
        }
        Upstream upstream = exchange.upstream();
        if (upstream != null && decision == Decision.FORWARDED) {
            metrics.upstream(upstream.name()).query(exchange.attemptElapsedNanos());
        }
    }

    @Override
    public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
        metrics.query(transport, QueryEvent.NO_RCODE, decision, 0);
    }
}
