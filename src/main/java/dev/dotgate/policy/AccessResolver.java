package dev.dotgate.policy;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.wire.Dns;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The first stage of the chain: a client outside the listener's access list ({@code acl.plain} for UDP and TCP,
 * {@code acl.dot} for DoT and DoH) is answered REFUSED and counted; everyone else goes on to {@code next}. Stream
 * clients were checked at connect already; they are checked again per query so a reload applies to open
 * connections. The gateway's own queries (a CNAME target, a prefetch) start further down and are not checked.
 */
public final class AccessResolver implements Resolver {
    private final Supplier<Policy> policy;
    private final LongAdder refused;
    private final Resolver next;

    /** {@code policy} is read once per query, so a reload applies at once; {@code refused} counts refusals. */
    public AccessResolver(Supplier<Policy> policy, LongAdder refused, Resolver next) {
        this.policy = policy;
        this.refused = refused;
        this.next = next;
    }

    @Override
    public void resolve(Exchange exchange) {
        if (!policy.get().acl(exchange.transport()).allows(exchange.client())) {
            refused.increment();
            exchange.fail(Dns.RCODE_REFUSED, Decision.REFUSED_ACL, "acl");
            return;
        }
        next.resolve(exchange);
    }
}
