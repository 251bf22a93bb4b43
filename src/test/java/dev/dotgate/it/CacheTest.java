package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.CacheSettings;
import dev.dotgate.config.GatewayConfig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The answer cache end to end: real Unbound behind, real UDP clients in front, upstream queries counted. Time in the
 * cache is moved by a {@link ManualTicker}, not slept through.
 */
class CacheTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static Unbound unbound;
    final ManualTicker clock = new ManualTicker();

    @BeforeAll
    static void upstream() throws IOException {
        unbound = servers.unbound();
    }

    static UnaryOperator<GatewayConfig> cache(UnaryOperator<CacheSettings> change) {
        return c -> new GatewayConfig(c.listen(), c.upstream(), c.serverName(), c.dataDir(), c.logLevel(),
                c.threads(), c.policy(), c.forwards(), change.apply(c.cache()), c.observe(), c.limits(), c.dnssec(),
                c.user(), c.allowRoot());
    }

    static Message ask(GatewayFixture gw, String name, int type, int id) throws IOException {
        Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, type, id), 3000);
        assertThat(m).as("answer to " + name).isNotNull();
        assertThat(m.getHeader().getID()).isEqualTo(id);
        return m;
    }

    @Test
    void repeatIsAnsweredFromMemoryWithTtlCountedDown() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("").cacheTicker(clock))) {
            long before = unbound.queriesFor("a.test");
            Message first = ask(gw, "a.test", Type.A, 1);
            long ttl = first.getSection(Section.ANSWER).get(0).getTTL();
            clock.advanceMillis(2100);
            Message second = ask(gw, "A.TeSt", Type.A, 2);
            assertThat(second.getQuestion().getName().toString()).isEqualTo("A.TeSt.");
            Record r = second.getSection(Section.ANSWER).get(0);
            assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("192.0.2.1");
            assertThat(r.getTTL()).isBetween(ttl - 4, ttl - 2);
            assertThat(unbound.queriesFor("a.test")).isEqualTo(before + 1);
            assertThat(gw.gateway.snapshot().caching().cache().hits()).isEqualTo(1);
        }
    }

    @Test
    void lookupsAreCountedOnceAndTheMetricsAndTotalsReadTheSameCountsAcrossACacheRebuild() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("").cacheTicker(clock))) {
            ask(gw, "a.test", Type.A, 1);
            ask(gw, "a.test", Type.A, 2);
            ask(gw, "a.test", Type.A, 3);
            assertCounts(gw, 2, 1);
            // New cache settings build a new cache: its counts carry on where the old one's stopped.
            gw.gateway.reload(cache(o -> new CacheSettings(o.enabled(), o.maxEntries() + 1, o.minTtl(), o.maxTtl(),
                    o.negativeMaxTtl(), o.staleWindow(), o.prefetch(), o.prefetchMinHits(), o.staleTtl(),
                    o.prefetchThreshold())).apply(gw.config));
            ask(gw, "a.test", Type.A, 4);
            ask(gw, "a.test", Type.A, 5);
            assertCounts(gw, 3, 2);
        }
    }

    /** The cache, its metric and the shutdown totals line all say {@code hits} and {@code misses}. */
    private static void assertCounts(GatewayFixture gw, long hits, long misses) {
        assertThat(gw.gateway.snapshot().caching().cache().hits()).isEqualTo(hits);
        assertThat(gw.gateway.snapshot().caching().cache().misses()).isEqualTo(misses);
        String scrape = gw.gateway.metrics().scrape();
        assertThat(MetricsEndpointTest.value(scrape, "dotgate_cache_lookups_total", "result", "hit")).isEqualTo(hits);
        assertThat(MetricsEndpointTest.value(scrape, "dotgate_cache_lookups_total", "result", "miss"))
                .isEqualTo(misses);
        assertThat(gw.gateway.totals()).contains(" cacheHits=" + hits + " cacheMisses=" + misses + " ");
    }

    @Test
    void nonRecursiveQueriesAreNeitherCachedNorServedFromTheCache() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml(""))) {
            long before = unbound.queriesFor("norec.bench.test");
            for (int id = 1; id <= 2; id++) {
                Message q = DnsClient.query("norec.bench.test", Type.A, id);
                q.getHeader().unsetFlag(org.xbill.DNS.Flags.RD);
                Message m = DnsClient.udp(gw.udp(), q, 3000);
                assertThat(m.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isFalse();
            }
            assertThat(unbound.queriesFor("norec.bench.test")).isEqualTo(before + 2);
            assertThat(gw.gateway.snapshot().caching().cache().size()).isZero();
        }
    }

    @Test
    void negativeAnswerIsCachedForTheSoaMinimum() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("").cacheTicker(clock))) {
            Message first = ask(gw, "missing-neg.test", Type.A, 1);
            assertThat(first.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            clock.advanceMillis(1100);
            Message second = ask(gw, "missing-neg.test", Type.A, 2);
            assertThat(second.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            Record soa = second.getSection(Section.AUTHORITY).get(0);
            assertThat(soa.getType()).isEqualTo(Type.SOA);
            assertThat(soa.getTTL()).isBetween(57L, 59L);
            // NODATA too: two.test has no AAAA
            Message nodata = ask(gw, "two.test", Type.AAAA, 3);
            assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
            ask(gw, "two.test", Type.AAAA, 4);
            assertThat(unbound.queriesFor("missing-neg.test")).isEqualTo(1);
            assertThat(gw.gateway.snapshot().caching().cache().hits()).isEqualTo(2);
        }
    }

    @Test
    void expiredAnswerIsServedStaleWhileTheUpstreamIsDown() throws Exception {
        java.nio.file.Path events = servers.dir("stale").resolve("events.jsonl");
        Unbound own = servers.ownUnbound();
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[events]\nsink = \"" + events + "\"\n")
                .upstream(own).timeout("1s").cacheTicker(clock))) {
            Message fresh = ask(gw, "two.test", Type.A, 1);
            assertThat(fresh.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(2);
            own.kill();
            clock.advanceMillis(2300);
            long start = System.nanoTime();
            Message stale = ask(gw, "two.test", Type.A, 2);
            assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
            Record r = stale.getSection(Section.ANSWER).get(0);
            assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("192.0.2.4");
            assertThat(r.getTTL()).isEqualTo(30);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1500);
            assertThat(gw.gateway.snapshot().caching().cache().staleHits()).isEqualTo(1);
            Eventually.until(() -> java.nio.file.Files.readString(events).contains("\"decision\":\"stale\""),
                    Duration.ofSeconds(3), "the stale event");
            assertThat(java.nio.file.Files.readString(events)).contains("\"name\":\"two.test.\"")
                    .contains("\"decision\":\"stale\"");
            // A name never cached still fails.
            assertThat(ask(gw, "a.test", Type.A, 3).getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    @Test
    void popularEntryIsRefreshedBeforeItExpires() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("").cacheTicker(clock).tweak(
                cache(o -> new CacheSettings(o.enabled(), o.maxEntries(), o.minTtl(), o.maxTtl(),
                        o.negativeMaxTtl(), o.staleWindow(), true, 2, o.staleTtl(), 0.5))))) {
            ask(gw, "short.test", Type.A, 1);
            ask(gw, "short.test", Type.A, 2);
            ask(gw, "short.test", Type.A, 3);
            assertThat(unbound.queriesFor("short.test")).isEqualTo(1);
            clock.advanceMillis(1800); // less than half of the 3 s TTL left
            long inserted = gw.gateway.snapshot().caching().cache().inserts();
            ask(gw, "short.test", Type.A, 4);
            Eventually.until(() -> gw.gateway.snapshot().caching().cache().inserts() > inserted, Duration.ofSeconds(3),
                    "the prefetched answer to be stored");
            assertThat(unbound.queriesFor("short.test")).as("prefetched").isEqualTo(2);
            assertThat(gw.gateway.snapshot().caching().prefetches()).isEqualTo(1);
            assertThat(gw.gateway.snapshot().caching().cache().counters().prefetches.sum()).as("counted by the cache").isEqualTo(1);
            assertThat(gw.gateway.totals()).contains(" prefetches=1 ");
            clock.advanceMillis(1600); // 3.4 s: the first answer has expired; the prefetched one has not
            long hits = gw.gateway.snapshot().caching().cache().hits();
            Message m = ask(gw, "short.test", Type.A, 5);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(gw.gateway.snapshot().caching().cache().hits()).isEqualTo(hits + 1);
            assertThat(unbound.queriesFor("short.test")).isEqualTo(2);
        }
    }

    @Test
    void identicalQueriesInFlightGoUpstreamOnce() throws Exception {
        try (DelayProxy slow = new DelayProxy(new InetSocketAddress("127.0.0.1", unbound.plainPort()), 400);
                GatewayFixture gw = servers.gateway(b -> b.toml("").upstreams(unbound.caFile(), slow.uri())
                        .timeout("3s"));
                DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(3000);
            for (int id = 1; id <= 20; id++) {
                byte[] q = DnsClient.query(id % 2 == 0 ? "same.bench.test" : "SAME.bench.test", Type.A, id).toWire();
                s.send(new DatagramPacket(q, q.length, gw.udp()));
            }
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                byte[] buf = new byte[4096];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                Message m = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                int id = m.getHeader().getID();
                assertThat(m.getQuestion().getName().toString())
                        .isEqualTo(id % 2 == 0 ? "same.bench.test." : "SAME.bench.test.");
                ids.add(id);
            }
            assertThat(ids).hasSize(20);
            assertThat(slow.received()).isEqualTo(1);
            assertThat(gw.gateway.snapshot().caching().coalesced()).isEqualTo(19);
        }
    }
}
