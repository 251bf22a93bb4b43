package dev.dotgate.observe;

import dev.dotgate.observe.events.EventSink;
import dev.dotgate.observe.events.QueryEvent;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Names;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Turns each completed query into its metrics (by transport, rcode and decision; the upstream's latency or
 * timeout) and, when events are on, one event. The query name is only turned into text when an event is written.
 */
public final class QueryReporter implements QueryObserver {
    private final Metrics metrics;
    private final Supplier<EventSink> events;

    /** {@code events} is read per query, so a reload can swap the sink. */
    public QueryReporter(Metrics metrics, Supplier<EventSink> events) {
        this.metrics = metrics;
        this.events = events;
    }

    @Override
    public void completed(Exchange exchange) {
        long nanos = System.nanoTime() - exchange.startNanos();
        Decision decision = exchange.decision();
        metrics.query(exchange.transport(), exchange.rcode(), decision, nanos);
        Upstream upstream = exchange.upstream();
        if (upstream != null) {
            if (decision == Decision.FORWARDED) {
                metrics.upstream(upstream.name()).query(exchange.attemptElapsedNanos());
            } else if (decision == Decision.UPSTREAM_TIMEOUT || (decision == Decision.STALE
                    && Decision.UPSTREAM_TIMEOUT.label().equals(exchange.reason()))) {
                upstream.counters().timeouts.increment();
            }
        }
        EventSink sink = events.get();
        if (sink != EventSink.OFF) {
            ByteBuf q = exchange.query();
            String name = exchange.info().qtype() < 0 ? null
                    : Names.toText(q, q.readerIndex() + Dns.HEADER_LENGTH, q.readerIndex() + exchange.info().questionEnd());
            sink.emit(new QueryEvent(QueryEvent.nowMicros(), exchange.client(), exchange.transport(), name,
                    exchange.info().qtype(), exchange.rcode(), decision, exchange.reason(),
                    upstream == null ? null : upstream.name(), nanos / 1000));
        }
    }

    @Override
    public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
        metrics.query(transport, QueryEvent.NO_RCODE, decision, 0);
        EventSink sink = events.get();
        if (sink != EventSink.OFF) {
            sink.emit(new QueryEvent(QueryEvent.nowMicros(), client, transport, null, -1, QueryEvent.NO_RCODE,
                    decision, reason, null, 0));
        }
    }
}
