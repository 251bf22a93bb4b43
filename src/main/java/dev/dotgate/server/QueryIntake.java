package dev.dotgate.server;

import dev.dotgate.observe.Stats;
import dev.dotgate.policy.Policy;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryObserver;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Where every transport hands in a client message: it is checked, then either sent down the resolver chain,
 * answered at once (FORMERR, NOTIMP), or refused (a client outside the listener's access list). The one query
 * path all listeners share.
 */
public final class QueryIntake {
    /** What became of a message. */
    public enum Outcome {
        /** Sent down the chain or answered; the responder will be called. */
        ACCEPTED,
        /** Not a DNS query at all; nothing will be sent back. UDP drops it, streams close. */
        REJECTED
    }

    private volatile Resolver resolver;
    private final Stats stats;
    private final QueryObserver observer;
    private final Supplier<Policy> policy;

    /** {@code policy} supplies the access lists, read per message so a reload applies at once. */
    public QueryIntake(Resolver resolver, Stats stats, QueryObserver observer, Supplier<Policy> policy) {
        this.resolver = resolver;
        this.stats = stats;
        this.observer = observer;
        this.policy = policy;
    }

    /**
     * Whether a DoT client may connect at all; one outside the access list is closed before the handshake, and
     * counted and reported here.
     */
    public boolean admitsConnection(Transport transport, InetSocketAddress client) {
        if (policy.get().acl(transport).allows(client)) {
            return true;
        }
        stats.refusedAcl.increment();
        observer.dropped(transport, client, Decision.REFUSED_ACL, "acl");
        return false;
    }

    /** Replaces the resolver chain (a reload); queries already in it finish where they are. */
    public void resolver(Resolver chain) {
        this.resolver = chain;
    }

    public QueryObserver observer() {
        return observer;
    }

    /**
     * Takes ownership of {@code msg}. UDP drops whatever is not a well-formed query (no reply to forged
     * sources); TCP and DoT answer FORMERR when the header is readable but the rest is not.
     */
    public Outcome accept(ByteBuf msg, Transport transport, InetSocketAddress client, EventExecutor executor,
            Responder responder, ByteBufAllocator alloc) {
        QueryInfo info = QueryInfo.parse(msg);
        switch (info.status()) {
            case OK:
                Exchange exchange = new Exchange(msg, info, transport, client, executor, responder, alloc, stats,
                        observer);
                // DoT clients were checked at connect; checked again per query so a reload applies to open connections.
                if (!policy.get().acl(transport).allows(client)) {
                    stats.refusedAcl.increment();
                    exchange.fail(Dns.RCODE_REFUSED, Decision.REFUSED_ACL, "acl");
                } else {
                    resolver.resolve(exchange);
                }
                return Outcome.ACCEPTED;
            case MALFORMED:
            case UNSUPPORTED_OPCODE:
                if (transport != Transport.UDP) {
                    boolean formerr = info.status() == QueryInfo.Status.MALFORMED;
                    (formerr ? stats.formerr : stats.notimp).increment();
                    new Exchange(msg, info, transport, client, executor, responder, alloc, stats, observer)
                            .fail(formerr ? Dns.RCODE_FORMERR : Dns.RCODE_NOTIMP);
                    return Outcome.ACCEPTED;
                }
                // fall through: UDP drops
            default:
                if (transport == Transport.UDP) {
                    stats.udpDroppedMalformed.increment();
                } else {
                    stats.streamClosedUnframeable.increment();
                }
                observer.dropped(transport, client, Decision.MALFORMED, info.status().name().toLowerCase(
                        java.util.Locale.ROOT));
                msg.release();
                return Outcome.REJECTED;
        }
    }
}
