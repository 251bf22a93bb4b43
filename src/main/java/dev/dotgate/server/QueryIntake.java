package dev.dotgate.server;

import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;

/**
 * Where every transport hands in a client message: it is checked, then either sent down the resolver chain,
 * answered at once (FORMERR, NOTIMP), or refused. The one query path all listeners share.
 */
public final class QueryIntake {
    /** What became of a message. */
    public enum Outcome {
        /** Sent down the chain or answered; the responder will be called. */
        ACCEPTED,
        /** Not a DNS query at all; nothing will be sent back. UDP drops it, streams close. */
        REJECTED
    }

    private final Resolver resolver;
    private final Stats stats;

    public QueryIntake(Resolver resolver, Stats stats) {
        this.resolver = resolver;
        this.stats = stats;
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
                resolver.resolve(new Exchange(msg, info, transport, client, executor, responder, alloc, stats));
                return Outcome.ACCEPTED;
            case MALFORMED:
            case UNSUPPORTED_OPCODE:
                if (transport != Transport.UDP) {
                    boolean formerr = info.status() == QueryInfo.Status.MALFORMED;
                    (formerr ? stats.formerr : stats.notimp).increment();
                    new Exchange(msg, info, transport, client, executor, responder, alloc, stats)
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
                msg.release();
                return Outcome.REJECTED;
        }
    }
}
