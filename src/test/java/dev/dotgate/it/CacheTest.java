package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.CacheSettings;
import dev.dotgate.config.GatewayConfig;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The answer cache end to end: real Unbound behind, real UDP clients in front, upstream queries counted. */
class CacheTest {
    @TempDir
    static Path tmp;
    static Unbound unbound;

    @BeforeAll
    static void upstream() throws IOException {
        unbound = new Unbound(tmp.resolve("unbound"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        unbound.close();
    }

    static UnaryOperator<GatewayConfig> cache(UnaryOperator<CacheSettings> change) {
        return c -> new GatewayConfig(c.listen(), c.upstream(), c.serverName(), c.dataDir(), c.logLevel(),
                c.threads(), c.policy(), c.forwards(), change.apply(c.cache()), c.observe());
    }

    static Message ask(GatewayFixture gw, String name, int type, int id) throws IOException {
        Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, type, id), 3000);
        assertThat(m).as("answer to " + name).isNotNull();
        assertThat(m.getHeader().getID()).isEqualTo(id);
        return m;
    }

    @Test
    void repeatIsAnsweredFromMemoryWithTtlCountedDown() throws Exception {
        try (GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("hit"), "", unbound.caFile(), "2s",
                c -> c, unbound.uri())) {
            long before = unbound.queriesFor("a.test");
            Message first = ask(gw, "a.test", Type.A, 1);
            long ttl = first.getSection(Section.ANSWER).get(0).getTTL();
            Thread.sleep(2100);
            Message second = ask(gw, "A.TeSt", Type.A, 2);
            assertThat(second.getQuestion().getName().toString()).isEqualTo("A.TeSt.");
            Record r = second.getSection(Section.ANSWER).get(0);
            assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("192.0.2.1");
            assertThat(r.getTTL()).isBetween(ttl - 4, ttl - 2);
            assertThat(unbound.queriesFor("a.test")).isEqualTo(before + 1);
            assertThat(gw.gateway.caching().cache().hits()).isEqualTo(1);
        }
    }

    @Test
    void nonRecursiveQueriesAreNeitherCachedNorServedFromTheCache() throws Exception {
        try (GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("norec"), "", unbound.caFile(), "2s",
                c -> c, unbound.uri())) {
            long before = unbound.queriesFor("norec.bench.test");
            for (int id = 1; id <= 2; id++) {
                Message q = DnsClient.query("norec.bench.test", Type.A, id);
                q.getHeader().unsetFlag(org.xbill.DNS.Flags.RD);
                Message m = DnsClient.udp(gw.udp(), q, 3000);
                assertThat(m.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isFalse();
            }
            assertThat(unbound.queriesFor("norec.bench.test")).isEqualTo(before + 2);
            assertThat(gw.gateway.caching().cache().size()).isZero();
        }
    }

    @Test
    void negativeAnswerIsCachedForTheSoaMinimum() throws Exception {
        try (GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("neg"), "", unbound.caFile(), "2s",
                c -> c, unbound.uri())) {
            Message first = ask(gw, "missing-neg.test", Type.A, 1);
            assertThat(first.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            Thread.sleep(1100);
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
            assertThat(gw.gateway.caching().cache().hits()).isEqualTo(2);
        }
    }

    @Test
    void expiredAnswerIsServedStaleWhileTheUpstreamIsDown() throws Exception {
        java.nio.file.Path events = tmp.resolve("stale-events.jsonl");
        try (Unbound own = new Unbound(tmp.resolve("unbound-stale"));
                GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("stale"),
                        "[events]\nsink = \"" + events + "\"\n", own.caFile(), "1s", c -> c, own.uri())) {
            Message fresh = ask(gw, "two.test", Type.A, 1);
            assertThat(fresh.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(2);
            own.kill();
            Thread.sleep(2300);
            long start = System.nanoTime();
            Message stale = ask(gw, "two.test", Type.A, 2);
            assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
            Record r = stale.getSection(Section.ANSWER).get(0);
            assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("192.0.2.4");
            assertThat(r.getTTL()).isEqualTo(30);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1500);
            assertThat(gw.gateway.caching().cache().staleHits()).isEqualTo(1);
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (!java.nio.file.Files.readString(events).contains("\"decision\":\"stale\"")
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(java.nio.file.Files.readString(events)).contains("\"name\":\"two.test.\"")
                    .contains("\"decision\":\"stale\"");
            // A name never cached still fails.
            assertThat(ask(gw, "a.test", Type.A, 3).getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    @Test
    void popularEntryIsRefreshedBeforeItExpires() throws Exception {
        try (GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("prefetch"), "", unbound.caFile(), "2s",
                cache(o -> new CacheSettings(o.enabled(), o.maxEntries(), o.minTtl(), o.maxTtl(),
                        o.negativeMaxTtl(), o.staleWindow(), true, 2, o.staleTtl(), 0.5)), unbound.uri())) {
            long t0 = System.nanoTime();
            ask(gw, "short.test", Type.A, 1);
            ask(gw, "short.test", Type.A, 2);
            ask(gw, "short.test", Type.A, 3);
            assertThat(unbound.queriesFor("short.test")).isEqualTo(1);
            sleepUntil(t0, 1800); // less than half of the 3 s TTL left
            ask(gw, "short.test", Type.A, 4);
            Thread.sleep(300);
            assertThat(unbound.queriesFor("short.test")).as("prefetched").isEqualTo(2);
            assertThat(gw.gateway.caching().prefetches()).isEqualTo(1);
            sleepUntil(t0, 3400); // the first answer has expired; the prefetched one has not
            long hits = gw.gateway.caching().cache().hits();
            Message m = ask(gw, "short.test", Type.A, 5);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(gw.gateway.caching().cache().hits()).isEqualTo(hits + 1);
            assertThat(unbound.queriesFor("short.test")).isEqualTo(2);
        }
    }

    @Test
    void identicalQueriesInFlightGoUpstreamOnce() throws Exception {
        try (DelayProxy slow = new DelayProxy(new InetSocketAddress("127.0.0.1", unbound.plainPort()), 400);
                GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("dedup"), "", unbound.caFile(), "3s",
                        c -> c, slow.uri());
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
            assertThat(gw.gateway.caching().coalesced()).isEqualTo(19);
        }
    }

    private static void sleepUntil(long t0, long millis) throws InterruptedException {
        long wait = millis - (System.nanoTime() - t0) / 1_000_000;
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }
}
