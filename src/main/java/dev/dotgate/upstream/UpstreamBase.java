package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamSpec;

/**
 * What every upstream kind holds alike: its spec (whose URI is its {@link #name}), the totals over all upstreams
 * and its own {@link #counters}. A new kind (DoH, DoQ) extends it and adds only its transport.
 */
abstract class UpstreamBase implements Upstream {
    final UpstreamSpec spec;
    final UpstreamTotals totals;
    final UpstreamCounters counters;

    UpstreamBase(UpstreamSetup setup, UpstreamTotals totals, UpstreamCounters counters) {
        this.spec = setup.spec();
        this.totals = totals;
        this.counters = counters;
    }

    @Override
    public final String name() {
        return spec.toString();
    }

    @Override
    public final UpstreamCounters counters() {
        return counters;
    }
}
