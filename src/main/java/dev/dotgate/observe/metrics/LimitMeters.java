package dev.dotgate.observe.metrics;

import dev.dotgate.limits.LimitCounters;
import dev.dotgate.resolve.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Locale;

/** What the client limits held back ({@link LimitCounters}): by reason and transport, RRL slips, table overflows. */
public final class LimitMeters extends OwnerMeters {
    static final String RATE_LIMITED = "dotgate.rate.limited";
    private static final String HELP = "Queries and connections held back by the client limits, by reason "
            + "(query_rate, inflight, connections, rrl, buffered_bytes) and transport: UDP queries or answers "
            + "dropped, connections closed at accept, stream connections paused";
    private final LimitCounters counters;

    public LimitMeters(LimitCounters c) {
        super(List.of(
                new NamedCounter("rrlSlipped", "dotgate.rrl.slipped",
                        "UDP answers over the response rate limit sent truncated (TC=1) instead of "
                                + "dropped",
                        c.rrlSlipped),
                new NamedCounter("clientTableOverflow", "dotgate.client.table.overflow",
                        "Queries and connections of new clients while the client table was "
                                + "full (UDP ones shared one of 1024 overflow states, stream connections got "
                                + "their own)",
                        c.tableOverflow)));
        this.counters = c;
    }

    @Override
    protected void bindMore(MeterRegistry registry) {
        for (LimitCounters.Reason reason : LimitCounters.Reason.values()) {
            for (Transport t : Transport.values()) {
                NamedCounter.register(registry, RATE_LIMITED, HELP, counters.counter(reason, t),
                        Tags.of("reason", reason.label(), "transport", t.name().toLowerCase(Locale.ROOT)));
            }
        }
    }
}
