package dev.dotgate.resolve;

import dev.dotgate.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * Hears each phase of every client query (modelled on Netty's {@code DnsQueryLifecycleObserver}): received, decided
 * (the stage's decision and reason), sent upstream (which upstream, which attempt), then answered or failed (the
 * reply sent, its rcode and decision on the exchange, the time since arrival); and {@link #dropped} for a message
 * that got no reply at all. Metrics, events and (next) dnstap are each one implementation; several are combined by
 * {@link #of}. The gateway's own queries (prefetches, CNAME targets) are not observed.
 *
 * <p>Every method is called on the client's event loop (the exchange's), on the query path: it must not block and
 * should not allocate. Every method does nothing by default, so an observer overrides only the phases it needs.
 *
 * <p>Buffers: {@code reply} is lent for the call: read or copy it, never release or retain it past the call. The
 * query bytes ({@link QueryContext#query}) are readable in every phase but {@link #dropped}.
 */
public interface QueryLifecycleObserver {
    /** Observes nothing. */
    QueryLifecycleObserver NONE = new QueryLifecycleObserver() {
    };

    /**
     * The observers in {@code observers}, called in that order: {@link #NONE} when there are none, else a composite
     * (an array, no allocation per query) in which one observer's exception does not stop the others or the reply.
     */
    static QueryLifecycleObserver of(QueryLifecycleObserver... observers) {
        return observers.length == 0 ? NONE : new CompositeObserver(observers);
    }

    /** A client query was read and handed to the chain (or is about to be answered FORMERR / NOTIMP). */
    default void received(QueryContext query) {
    }

    /**
     * The stage that completed the query decided {@code decision} ({@code reason} may be null). Called as the
     * completion reaches the loop, before the stage listeners; a failure may still be replaced by a stale answer,
     * so the decision sent is the exchange's in {@link #answered}.
     */
    default void decided(QueryContext query, Decision decision, String reason) {
    }

    /** Attempt {@code attempt} (1 first, 2 the retry) of the query goes to {@code upstream}. */
    default void sentUpstream(QueryContext query, Upstream upstream, int attempt) {
    }

    /**
     * The query is answered with {@code reply} (an upstream's, the cache's, a local or policy answer, a stale one):
     * {@link Exchange#decision}, {@link Exchange#reason}, {@link Exchange#rcode} and {@link Exchange#upstream} are
     * set; the reply goes to the client right after. {@code elapsedNanos}: since the query arrived.
     */
    default void answered(Exchange exchange, ByteBuf reply, long elapsedNanos) {
        completed(exchange, reply, elapsedNanos);
    }

    /** Like {@link #answered}, when the reply is an error the gateway made (FORMERR, NOTIMP, SERVFAIL, REFUSED). */
    default void failed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
        completed(exchange, reply, elapsedNanos);
    }

    /**
     * What {@link #answered} and {@link #failed} call unless overridden: for an observer that treats an answer and a
     * failure alike (both carry the rcode and decision on the exchange).
     */
    default void completed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
    }

    /** A message that got no reply at all (an unreadable datagram, a refused DoT connection, a limit). */
    default void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
    }
}
