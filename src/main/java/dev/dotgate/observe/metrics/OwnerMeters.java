package dev.dotgate.observe.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;

/**
 * The meters of one owner of counters (the listeners, the TLS front, the limits, the query path, the upstreams, the
 * cache): a Micrometer {@link MeterBinder} made when the owner's counters are, listing each plain counter once as a
 * {@link NamedCounter} (name, help, adder) for both the scrape and the shutdown totals. Labelled or derived meters
 * (by status, by reason, gauges) are added by {@link #bindMore}. Holds the owner's counters, so the registry's weak
 * references to them stay valid as long as the binder is bound.
 */
public abstract class OwnerMeters implements MeterBinder {
    private final List<NamedCounter> counters;

    protected OwnerMeters(List<NamedCounter> counters) {
        this.counters = List.copyOf(counters);
    }

    /** The plain counters, in the order the totals line shows them. */
    public final List<NamedCounter> counters() {
        return counters;
    }

    @Override
    public final void bindTo(MeterRegistry registry) {
        for (NamedCounter c : counters) {
            c.register(registry);
        }
        bindMore(registry);
    }

    /** Meters beyond the plain counters; none by default. */
    protected void bindMore(MeterRegistry registry) {
    }
}
