package dev.dotgate.observe.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.cache.CacheCounters;
import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void rcodesAreLabelledByMnemonicUpTo15ThenOtherOrNone() {
        try (Metrics m = new Metrics(false)) {
            for (int rcode = -1; rcode <= 24; rcode++) {
                m.query(Transport.UDP, rcode, Decision.FORWARDED, 1_000);
            }
            m.query(Transport.UDP, 4095, Decision.FORWARDED, 1_000);
            PromText p = PromText.parse(m.scrape());
            String[] base = {"transport", "udp", "decision", "forwarded"};
            assertThat(value(p, "NOERROR", base)).isEqualTo(1.0);
            assertThat(value(p, "NXDOMAIN", base)).isEqualTo(1.0);
            assertThat(value(p, "NOTZONE", base)).isEqualTo(1.0);
            assertThat(value(p, "RESERVED15", base)).isEqualTo(1.0);
            assertThat(value(p, "other", base)).isEqualTo(10.0);
            assertThat(value(p, "none", base)).isEqualTo(1.0);
            assertThat(p.samples("dotgate_queries_total")).hasSize(18);
            assertThat(p.value("dotgate_query_duration_seconds_count", base)).hasValue(27.0);
        }
    }

    private static double value(PromText p, String rcode, String... base) {
        return p.value("dotgate_queries_total", "transport", base[1], "rcode", rcode, "decision", base[3])
                .orElseThrow(() -> new AssertionError("no sample for rcode " + rcode));
    }

    @Test
    void nullArgumentsAreIgnoredAndUnknownHandshakeCausesCountAsOther() {
        try (Metrics m = new Metrics(false)) {
            m.query(null, 0, Decision.CACHED, 1);
            m.query(Transport.TCP, 0, null, 1);
            m.handshakeFailure(Transport.DOT, null);
            m.handshakeFailure(Transport.DOT, "certificate_unknown");
            m.handshakeFailure(Transport.DOT, "timeout");
            PromText p = PromText.parse(m.scrape());
            assertThat(p.samples("dotgate_queries_total")).isEmpty();
            assertThat(p.value("dotgate_dot_handshake_failures_total", "cause", "other")).hasValue(2.0);
            assertThat(p.value("dotgate_dot_handshake_failures_total", "cause", "timeout")).hasValue(1.0);
        }
    }

    @Test
    void statsCountersAreNamedInSnakeCaseAndAvoidTheLabelledNames() {
        Stats stats = new Stats();
        assertThat(metric(stats, "upstreamTruncatedRetriedTcp")).isEqualTo("dotgate.upstream.truncated.retried.tcp");
        assertThat(metric(stats, "formerr")).isEqualTo("dotgate.formerr");
        assertThat(metric(stats, "queries")).isEqualTo("dotgate.stats.queries");
        assertThat(metric(stats, "upstreamConnects")).isEqualTo("dotgate.stats.upstream.connects");
        assertThat(metric(stats, "upstreamConnectFailures")).isEqualTo("dotgate.stats.upstream.connect.failures");
        // No Stats counter is left with the generic description.
        try (Metrics m = new Metrics(false)) {
            stats.meters().forEach(m::bind);
            PromText p = PromText.parse(m.scrape());
            for (NamedCounter c : stats.counters()) {
                String name = c.metric().replace('.', '_') + "_total";
                assertThat(p.help.get(name)).as(name).isNotBlank().isNotEqualTo("Stats." + c.key());
            }
        }
    }

    /** The metric name of the Stats counter {@code key}. */
    private static String metric(Stats stats, String key) {
        return stats.counters().stream().filter(c -> c.key().equals(key)).findFirst().orElseThrow().metric();
    }

    @Test
    void eachStatsCounterIsListedOnceWithItsOwnAdder() {
        Stats stats = new Stats();
        java.util.Set<String> keys = new java.util.HashSet<>();
        java.util.Set<String> metrics = new java.util.HashSet<>();
        java.util.Set<Object> adders = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (NamedCounter c : stats.counters()) {
            assertThat(keys.add(c.key())).as(c.key()).isTrue();
            assertThat(metrics.add(c.metric())).as(c.metric()).isTrue();
            assertThat(adders.add(c.adder())).as(c.key()).isTrue();
        }
        // The aliases are the owners' adders: bumping one shows in the snapshot under its key.
        stats.server.formerr.add(3);
        stats.tls.refusedAlpn.increment();
        stats.rateLimited.rrlSlipped.add(2);
        assertThat(stats.formerr.sum()).isEqualTo(3);
        assertThat(stats.snapshot()).containsEntry("formerr", 3L).containsEntry("dotRefusedAlpn", 1L)
                .containsEntry("rrlSlipped", 2L).containsEntry("queries", 0L);
        assertThat(stats.summary()).isEqualTo("formerr=3 dotRefusedAlpn=1 rrlSlipped=2");
    }

    @Test
    void recordingAllocatesNothingOnceWarm() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Metrics m = new Metrics(false)) {
            UpstreamMeters up = m.upstream("tls://127.0.0.1:853#q");
            CacheCounters cache = new CacheCounters();
            m.bind(new CacheMeters(cache));
            Transport[] transports = Transport.values();
            Decision[] decisions = Decision.values();
            Runnable work = () -> {
                for (int i = 0; i < 1_000; i++) {
                    m.query(transports[i % 3], i % 20, decisions[i % 11], 1_000L * i);
                    cache.hits.increment();
                    cache.misses.increment();
                    cache.stale.increment();
                    cache.prefetches.increment();
                    m.handshake(Transport.DOT);
                    m.handshakeFailure(Transport.DOT, (i & 1) == 0 ? "alpn" : "handshake_failure");
                    up.query(50_000L * i);
                    up.counters().errors.increment();
                    up.counters().timeouts.increment();
                    up.counters().connects.increment();
                    up.counters().connectFailures.increment();
                }
            };
            for (int i = 0; i < 200; i++) {
                work.run();
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) {
                work.run();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // 100,000 rounds of 12 calls each; a single allocation per call would be megabytes.
            assertThat(allocated).as("bytes allocated by 1.2 million recording calls").isLessThan(16 * 1024);
        }
    }
}
