package dev.dotgate.policy;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.ExtendedErrors;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import java.util.function.Supplier;
import org.xbill.DNS.Name;

/**
 * The policy stage, after the access list: one policy decision per query, before the cache or any upstream sees
 * it. Local records answer first (the operator's own names; a CNAME leaving them is followed through the chain from
 * here, see {@link CnameChase}), then the allowlist refuses what it does not list, then the blocklists answer per
 * the block mode; whatever passes goes on to {@code next}.
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
                // A chain to a name elsewhere is completed with the target's answer when the client asked for
                // recursion; the gateway's own queries (the target itself, prefetches) are not chased again, so
                // one client query asks one target.
                Name target = exchange.isInternal() || (Dns.flags(query) & Dns.FLAG_RD) == 0 ? null
                        : p.local().externalTarget(query, exchange.info());
                if (target != null) {
                    CnameChase.start(exchange, local, target, this);
                    return;
                }
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
                byte[] text = p.edeText() ? ExtendedErrors.text(list) : null;
                exchange.answer(blocked(p, exchange, query, text), Decision.BLOCKED, list,
                        exchange.info().hasOpt() ? ExtendedErrors.BLOCKED : ExtendedErrors.NONE);
                return;
            }
        }
        next.resolve(exchange);
    }

    /** The answer to a blocked name, in the policy's block mode, with EDE 15 and {@code text} (or null). */
    private static ByteBuf blocked(Policy p, Exchange exchange, ByteBuf query, byte[] text) {
        int ede = ExtendedErrors.BLOCKED;
        switch (p.blockMode()) {
            case REFUSED:
                return Replies.error(exchange.alloc(), query, exchange.info(), Dns.RCODE_REFUSED, ede, text);
            case NULL:
                return Replies.nullAddress(exchange.alloc(), query, exchange.info(),
                        (int) p.blockTtl().toSeconds(), ede, text);
            default:
                return Replies.error(exchange.alloc(), query, exchange.info(), Dns.RCODE_NXDOMAIN, ede, text);
        }
    }
}
