package dev.dotgate.server;

import dev.dotgate.limits.ClientState;
import dev.dotgate.policy.Policy;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryContext;
import dev.dotgate.resolve.QueryCounters;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Where every transport hands in a client message: it is parsed, then either made an {@link Exchange} and sent
 * down the resolver chain (whose first stage checks the access list), answered at once (FORMERR, NOTIMP), or
 * dropped. Stream connections from outside the access list are refused at accept ({@link #admitsConnection}).
 * The one query path all listeners share.
 */
public final class QueryIntake {
    /** What became of a message. */
    public enum Outcome {
        /** Sent down the chain or answered; the responder will be called. */
        ACCEPTED,
        /** Not a DNS query at all; nothing will be sent back. UDP drops it, streams close. */
        REJECTED
    }

    /** The chain of the snapshot serving now: read once per query, so a reload applies to the next one. */
    private final Supplier<Resolver> chain;
    private final ServerCounters counters;
    private final QueryCounters queries;
    private final QueryLifecycleObserver observer;
    private final Supplier<Policy> policy;
    /**
     * The observer of every client exchange: releases the client's in-flight share (when it has one), counts the
     * completion, and passes every phase on to {@link #observer}.
     */
    private final QueryLifecycleObserver completing;

    /**
     * {@code chain} supplies the resolver chain and {@code policy} the access lists, both read per message (from
     * the gateway's current snapshot) so a reload applies at once; queries already in a chain finish there.
     * {@code counters}: the listeners' (malformed, refused); {@code queries}: the query path's (accepted,
     * answered, completed); {@code observer} hears every client query's phases and every drop.
     */
    public QueryIntake(Supplier<Resolver> chain, ServerCounters counters, QueryCounters queries,
            QueryLifecycleObserver observer, Supplier<Policy> policy) {
        this.chain = chain;
        this.counters = counters;
        this.queries = queries;
        this.observer = observer;
        this.policy = policy;
        this.completing = new Completing();
    }

    /** Bookkeeping around the observer; one per intake, so nothing is allocated per query. */
    private final class Completing implements QueryLifecycleObserver {
        @Override
        public void received(QueryContext query) {
            observer.received(query);
        }

        @Override
        public void decided(QueryContext query, Decision decision, String reason) {
            observer.decided(query, decision, reason);
        }

        @Override
        public void sentUpstream(QueryContext query, Upstream upstream, int attempt) {
            observer.sentUpstream(query, upstream, attempt);
        }

        @Override
        public void answered(Exchange exchange, ByteBuf reply, long elapsedNanos) {
            settle(exchange);
            observer.answered(exchange, reply, elapsedNanos);
            queries.completed.increment();
        }

        @Override
        public void failed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
            settle(exchange);
            observer.failed(exchange, reply, elapsedNanos);
            queries.completed.increment();
        }

        private void settle(Exchange exchange) {
            if (exchange.attachment() instanceof ClientState limit) {
                limit.release(); // exactly once: an exchange completes once
            }
            if (exchange.decision() == Decision.FORWARDED) {
                queries.answered.increment();
            }
        }

        @Override
        public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
            observer.dropped(transport, client, decision, reason);
        }
    }

    /**
     * Whether a stream client (TCP: {@code acl.plain}; DoT, DoH: {@code acl.dot}) may connect at all; one
     * outside the access list is closed at accept, before it takes a connection slot or any TLS, and counted
     * and reported here.
     */
    public boolean admitsConnection(Transport transport, InetSocketAddress client) {
        if (policy.get().acl(transport).allows(client)) {
            return true;
        }
        counters.refusedAcl.increment();
        counters.connectionsRefusedAcl.increment();
        observer.dropped(transport, client, Decision.REFUSED_ACL, "acl");
        return false;
    }

    public QueryLifecycleObserver observer() {
        return observer;
    }

    /**
     * Takes ownership of {@code msg}. UDP drops whatever is not a well-formed query (no reply to forged
     * sources); TCP and DoT answer FORMERR when the header is readable but the rest is not.
     */
    public Outcome accept(ByteBuf msg, Transport transport, InetSocketAddress client, EventExecutor executor,
            Responder responder, ByteBufAllocator alloc) {
        return accept(msg, transport, client, executor, responder, alloc, null);
    }

    /**
     * {@link #accept} for a client under limits: {@code limit} is its state (null: exempt, or not limited). An
     * exchange made for the message counts as one of the client's queries in flight from here until it
     * completes (released exactly once, when it does); the state is attached to it ({@link Exchange#attachment})
     * for the responder. The caller has checked the client's rate and share before. Called on the client
     * connection's event loop ({@code executor}), where the exchange completes; replies are allocated from
     * {@code alloc}, the connection's (not {@code msg}'s: a DoH GET's query is a wrapped array).
     */
    public Outcome accept(ByteBuf msg, Transport transport, InetSocketAddress client, EventExecutor executor,
            Responder responder, ByteBufAllocator alloc, ClientState limit) {
        QueryInfo info = QueryInfo.parse(msg);
        switch (info.status()) {
            case OK:
                // The chain's first stage checks the access list (policy.AccessResolver).
                chain.get().resolve(exchange(msg, info, transport, client, executor, responder, alloc, limit));
                return Outcome.ACCEPTED;
            case MALFORMED:
            case UNSUPPORTED_OPCODE:
                if (transport != Transport.UDP) {
                    boolean formerr = info.status() == QueryInfo.Status.MALFORMED;
                    (formerr ? counters.formerr : counters.notimp).increment();
                    exchange(msg, info, transport, client, executor, responder, alloc, limit)
                            .fail(formerr ? Dns.RCODE_FORMERR : Dns.RCODE_NOTIMP);
                    return Outcome.ACCEPTED;
                }
                // fall through: UDP drops
            default:
                if (transport == Transport.UDP) {
                    counters.udpDroppedMalformed.increment();
                } else {
                    counters.streamClosedUnframeable.increment();
                }
                observer.dropped(transport, client, Decision.MALFORMED, info.status().name().toLowerCase(
                        java.util.Locale.ROOT));
                msg.release();
                return Outcome.REJECTED;
        }
    }

    private Exchange exchange(ByteBuf msg, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor executor, Responder responder, ByteBufAllocator alloc, ClientState limit) {
        if (limit != null) {
            limit.acquire();
        }
        queries.queries.increment();
        Exchange exchange = new Exchange(msg, info, transport, client, executor, alloc, responder, completing,
                limit);
        observer.received(exchange);
        return exchange;
    }
}
