package dev.dotgate.policy;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import java.util.function.Supplier;

/**
 * The first step of the chain: one policy decision per query, before the cache or any upstream sees it. Local
 * records answer first (the operator's own names), then the allowlist refuses what it does not list, then the
 * blocklists answer per the block mode; whatever passes goes on to {@code next}.
 */
public final class PolicyResolver implements Resolver {
    private final Supplier<Policy> policy;
    private final Resolver next;

    /** {@code policy} is read once per query, so a reload takes effect with the next query. */
    public PolicyResolver(Supplier<Policy> policy, Resolver next) {
        this.policy = policy;
        this.next = next;
    }

    @Override
    public void resolve(Exchange exchange) {
        Policy p = policy.get();
        ByteBuf query = exchange.query();
        int name = query.readerIndex() + Dns.HEADER_LENGTH;
        if (p.local() != null) {
            ByteBuf local = p.local().answer(query, exchange.info(), exchange.alloc());
            if (local != null) {
                exchange.answer(local, Decision.LOCAL, null);
                return;
            }
        }
        if (p.allowlist() != null && !p.allowlist().allows(query, name)) {
            exchange.fail(Dns.RCODE_REFUSED, Decision.REFUSED_ALLOWLIST, "allowlist");
            return;
        }
        if (p.blocklists() != null) {
            String list = p.blocklists().blockedBy(query, name);
            if (list != null) {
                exchange.answer(blocked(p, exchange, query), Decision.BLOCKED, list);
                return;
            }
        }
        next.resolve(exchange);
    }

    private static ByteBuf blocked(Policy p, Exchange exchange, ByteBuf query) {
        switch (p.blockMode()) {
            case REFUSED:
                return Replies.error(exchange.alloc(), query, exchange.info(), Dns.RCODE_REFUSED);
            case NULL:
                return Replies.nullAddress(exchange.alloc(), query, exchange.info(),
                        (int) p.blockTtl().toSeconds());
            default:
                return Replies.error(exchange.alloc(), query, exchange.info(), Dns.RCODE_NXDOMAIN);
        }
    }
}
