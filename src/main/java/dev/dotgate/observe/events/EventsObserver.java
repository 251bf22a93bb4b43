package dev.dotgate.observe.events;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Names;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * One {@link QueryEvent} per client query answered or failed, and per dropped message, to the current
 * {@link EventSink}. When events are off ({@link EventSink#OFF}) it costs one read of the supplier; the query name
 * is only turned into text when an event is written.
 */
public final class EventsObserver implements QueryLifecycleObserver {
    private final Supplier<EventSink> events;

    /** {@code events} is read per query, so a reload can swap the sink. */
    public EventsObserver(Supplier<EventSink> events) {
        this.events = events;
    }

    @Override
    public void completed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
        EventSink sink = events.get();
        if (sink == EventSink.OFF) {
            return;
        }
        ByteBuf q = exchange.query();
        String name = exchange.info().qtype() < 0 ? null
                : Names.toText(q, q.readerIndex() + Dns.HEADER_LENGTH, q.readerIndex() + exchange.info().questionEnd());
        Upstream upstream = exchange.upstream();
        sink.emit(new QueryEvent(QueryEvent.nowMicros(), exchange.client(), exchange.transport(), name,
                exchange.info().qtype(), exchange.rcode(), exchange.decision(), exchange.reason(),
                upstream == null ? null : upstream.name(), elapsedNanos / 1000, exchange.ede(reply)));
    }

    @Override
    public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
        EventSink sink = events.get();
        if (sink != EventSink.OFF) {
            sink.emit(new QueryEvent(QueryEvent.nowMicros(), client, transport, null, -1, QueryEvent.NO_RCODE,
                    decision, reason, null, 0));
        }
    }
}
