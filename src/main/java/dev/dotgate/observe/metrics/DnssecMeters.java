package dev.dotgate.observe.metrics;

import dev.dotgate.dnssec.DnssecCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/** The validator's counters as meters: answers validated by verdict, chain lookups, skew-tolerated signatures. */
public final class DnssecMeters implements MeterBinder {
    static final String VALIDATIONS = "dotgate.dnssec.validations";
    static final String CHAIN_QUERIES = "dotgate.dnssec.chain.queries";
    static final String SKEWED = "dotgate.dnssec.skewed";
    private final DnssecCounters counters;

    public DnssecMeters(DnssecCounters counters) {
        this.counters = counters;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String help = "Forwarded answers validated (dnssec.mode = validate), by verdict: secure (sent with AD), "
                + "insecure, bogus (SERVFAIL with an Extended DNS Error)";
        NamedCounter.register(registry, VALIDATIONS, help, counters.secure, Tags.of("verdict", "secure"));
        NamedCounter.register(registry, VALIDATIONS, help, counters.insecure, Tags.of("verdict", "insecure"));
        NamedCounter.register(registry, VALIDATIONS, help, counters.bogus, Tags.of("verdict", "bogus"));
        NamedCounter.register(registry, CHAIN_QUERIES, "Queries the validator sent upstream for the chain of trust "
                + "(DNSKEY, DS)", counters.chainQueries, Tags.empty());
        NamedCounter.register(registry, SKEWED, "Answers proven secure only within dnssec.clock_skew of a "
                + "signature's validity period", counters.skewed, Tags.empty());
    }
}
