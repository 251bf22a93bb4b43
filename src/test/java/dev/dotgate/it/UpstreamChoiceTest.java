package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.upstream.Upstream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Choosing among upstreams on loopback, with real resolvers: {@code fastest} sends the queries to the faster of
 * two upstreams (the other behind a 60 ms relay, where round robin makes half of them wait); a hedge answers when
 * the chosen upstream turns slow; a killed upstream is marked down, its queries answered by the other, and taken
 * back once restarted and probed.
 */
@ExtendWith(LeakCheck.class)
class UpstreamChoiceTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @TempDir
    Path tmp;

    /** Mean milliseconds of {@code n} UDP queries for fresh names, each answered NOERROR. */
    private static double meanMillis(GatewayFixture gw, String prefix, int n) throws Exception {
        long total = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Message m = DnsClient.udp(gw.udp(), DnsClient.query(prefix + i + ".bench.test", Type.A, i), 5000);
            total += System.nanoTime() - t0;
            assertThat(m).isNotNull();
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        }
        return total / 1e6 / n;
    }

    private static Upstream upstream(GatewayFixture gw, String uri) {
        return gw.gateway.snapshot().routes().defaultGroup().all().stream()
                .filter(u -> u.name().equals(uri)).findFirst().orElseThrow();
    }

    @Test
    void fastestSendsTheQueriesToTheFasterUpstreamWhereRoundRobinMakesHalfOfThemWait() throws Exception {
        Unbound unbound = servers.unbound();
        String direct = "udp://127.0.0.1:" + unbound.plainPort();
        try (DelayProxy slow = new DelayProxy(new InetSocketAddress("127.0.0.1", unbound.plainPort()), 60)) {
            double roundRobin;
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, slow.uri(), direct)
                    .toml("[upstream]\nstrategy = \"round_robin\"\n"))) {
                roundRobin = meanMillis(gw, "rr", 20);
            }
            int before = slow.received();
            double fastest;
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, slow.uri(), direct))) {
                fastest = meanMillis(gw, "fast", 40);
                assertThat(upstream(gw, direct).health().srttNanos())
                        .isLessThan(upstream(gw, slow.uri()).health().srttNanos());
            }
            assertThat(roundRobin).as("round robin: every other query waits 60 ms").isGreaterThan(25);
            assertThat(fastest).as("fastest, mean ms (round robin %.1f)", roundRobin).isLessThan(10);
            assertThat(slow.received() - before).as("queries the slow one got of 40").isLessThanOrEqualTo(3);
        }
    }

    @Test
    void aHedgeAnswersWhenTheChosenUpstreamTurnsSlow() throws Exception {
        Unbound unbound = servers.unbound();
        String direct = "udp://127.0.0.1:" + unbound.plainPort();
        try (DelayProxy first = new DelayProxy(new InetSocketAddress("127.0.0.1", unbound.plainPort()), 0);
                GatewayFixture gw = servers.gateway(b -> b.upstreams(null, first.uri(), direct).timeout("3s")
                        .toml("[upstream]\nstrategy = \"ordered\"\n"))) {
            meanMillis(gw, "warm", 20); // the first one's usual time: about a millisecond
            first.delay(800);
            long t0 = System.nanoTime();
            Message m = DnsClient.udp(gw.udp(), DnsClient.query("hedged.bench.test", Type.A, 99), 5000);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(millis).as("answered by the hedge, not after the first one's 800 ms").isLessThan(300);
            assertThat(LimitsSupport.metric(gw, "dotgate_hedges_total")).isGreaterThanOrEqualTo(1);
            assertThat(LimitsSupport.metric(gw, "dotgate_hedge_wins_total")).isGreaterThanOrEqualTo(1);
            assertThat(LimitsSupport.metric(gw, "dotgate_upstream_hedge_wins_total", "upstream=\"" + direct + "\""))
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aKilledUpstreamIsMarkedDownAndTakenBackOnceItAnswersAgain() throws Exception {
        Unbound one = servers.ownUnbound();
        Unbound two = servers.ownUnbound();
        Path bundle = tmp.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(one.caFile()) + Files.readString(two.caFile()));
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(bundle, one.uri(), two.uri())
                .toml("[upstream]\nstrategy = \"ordered\"\n"))) {
            Upstream first = upstream(gw, one.uri());
            meanMillis(gw, "before", 5);
            assertThat(one.queriesFor("before0.bench.test")).isOne();
            one.kill();
            // Every query is answered (by the second upstream) while the first is dead, and it is marked down.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (int i = 0; i < 10 || !first.health().isDown(); i++) {
                assertThat(System.nanoTime() - deadline).as("marked down within 10 s").isNegative();
                Message m = DnsClient.udp(gw.udp(), DnsClient.query("during" + i + ".bench.test", Type.A, i), 5000);
                assertThat(m.getRcode()).as("query %d while the first is dead", i).isEqualTo(Rcode.NOERROR);
                Thread.sleep(20);
            }
            assertThat(first.counters().downs.sum()).as("marked down once").isOne();
            assertThat(LimitsSupport.metric(gw, "dotgate_upstream_up", "upstream=\"" + one.uri() + "\"")).isZero();
            one.start();
            Eventually.until(() -> !first.health().isDown(), Duration.ofSeconds(10), "the restarted upstream up");
            assertThat(first.counters().recoveries.sum()).isOne();
            assertThat(first.counters().probes.sum()).isPositive();
            meanMillis(gw, "after", 5);
            assertThat(one.queriesFor("after0.bench.test")).as("ordered: back to the first").isOne();
            assertThat(two.queriesFor("after0.bench.test")).isZero();
        }
    }
}
