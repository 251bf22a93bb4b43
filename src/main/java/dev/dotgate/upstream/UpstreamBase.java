package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.upstream.bootstrap.BootstrapException;
import dev.dotgate.upstream.bootstrap.BootstrapResolver;
import dev.dotgate.upstream.bootstrap.HostAddresses;
import io.netty.channel.EventLoopGroup;

/**
 * What every upstream kind holds alike: its spec (whose URI is its {@link #name}), the totals over all upstreams
 * and its own {@link #counters}. A new kind (DoH, DoQ) extends it and adds only its transport.
 */
abstract class UpstreamBase implements Upstream {
    final UpstreamSpec spec;
    final UpstreamTotals totals;
    final UpstreamCounters counters;
    private final UpstreamHealth health;
    private final long attemptTimeoutNanos;

    /** Where the upstream is: its IP, or its host name's addresses, kept fresh. */
    final HostAddresses addresses;

    /**
     * Resolves a host name through the setup's bootstrap resolvers before it returns: a
     * {@link BootstrapException} when it cannot.
     */
    UpstreamBase(UpstreamSetup setup, EventLoopGroup group, UpstreamTotals totals, UpstreamCounters counters) {
        this.spec = setup.spec();
        this.addresses = !spec.needsBootstrap() ? HostAddresses.fixed(spec.address())
                : HostAddresses.resolved(spec.host(), spec.port(), new BootstrapResolver(setup.bootstrap(),
                        setup.connectTimeout()), group, setup.connectTimeout());
        this.totals = totals;
        this.counters = counters;
        this.health = new UpstreamHealth(name(), counters);
        this.attemptTimeoutNanos = spec.timeout() == null ? 0 : setup.timeout().toNanos();
    }

    @Override
    public final String name() {
        return spec.label();
    }

    @Override
    public final UpstreamHealth health() {
        return health;
    }

    @Override
    public final long attemptTimeoutNanos() {
        return attemptTimeoutNanos;
    }

    @Override
    public final UpstreamCounters counters() {
        return counters;
    }
}
