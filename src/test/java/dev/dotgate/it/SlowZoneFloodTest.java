package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Fair shares: one client (127.0.0.2) floods names of a zone forwarded to an upstream that answers after 2 s,
 * 10,000 a second for 3 s, enough to fill the gateway's whole UDP in-flight budget (8,192) on its own. With
 * the per-client in-flight cap (256) it holds at most its share, and another client (127.0.0.3) is served:
 * other names at once, names in the same slow zone once the upstream answers.
 */
@ExtendWith(LeakCheck.class)
class SlowZoneFloodTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @Test
    void aFloodTowardASlowZoneDoesNotStarveOtherClients() throws Exception {
        try (LimitsSupport.SlowUpstream slow = new LimitsSupport.SlowUpstream(2000)) {
            String toml = """
                    [limits]
                    exempt = []
                    query_rate = 0
                    rrl_rate = 0
                    [policy]
                    local = ["v.lim.test A 192.0.2.7"]
                    [[forward]]
                    zone = "slow.test"
                    servers = ["%s"]
                    """.formatted(slow.uri());
            try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, slow.uri()).timeout("5s"))) {
                AtomicBoolean flooding = new AtomicBoolean(true);
                List<Long> fastMillis = new ArrayList<>();
                List<Long> slowMillis = new ArrayList<>();
                int[] missed = new int[2];
                Thread victim = new Thread(() -> {
                    int i = 0;
                    try {
                        // The flood is at full strength: the attacker is at its in-flight limit.
                        Eventually.until(() -> gw.gateway.stats().rateLimited.count(Reason.INFLIGHT, Transport.UDP) > 0,
                                java.time.Duration.ofSeconds(5), "the flood to reach the in-flight limit");
                        Pace pace = Pace.everyMillis(50);
                        while (flooding.get() && i < 40) {
                            long t = System.nanoTime();
                            Message m = LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", i, 1000);
                            if (m == null || m.getRcode() != Rcode.NOERROR) {
                                missed[0]++;
                            } else {
                                fastMillis.add((System.nanoTime() - t) / 1_000_000);
                            }
                            if (i % 8 == 0) {
                                t = System.nanoTime();
                                m = LimitsSupport.udpAsk(VICTIM, gw.udp(), "victim" + i + ".slow.test", 1000 + i,
                                        4000);
                                if (m == null || m.getRcode() != Rcode.NOERROR) {
                                    missed[1]++;
                                } else {
                                    slowMillis.add((System.nanoTime() - t) / 1_000_000);
                                }
                            }
                            i++;
                            pace.next();
                        }
                    } catch (Exception e) {
                        missed[0] += 100;
                    }
                });
                int sent;
                try (DatagramSocket s = LimitsSupport.udpFrom(ATTACKER)) {
                    LimitsSupport.Receiver rx = new LimitsSupport.Receiver(s);
                    victim.start();
                    sent = LimitsSupport.flood(s, gw.udp(), "slow.test", true, 10_000, 3000);
                    flooding.set(false);
                    victim.join(15_000);
                    s.close();
                    rx.close();
                }
                assertThat(missed[0]).as("victim's local name unanswered; answered in %s ms", fastMillis).isZero();
                assertThat(fastMillis).allMatch(ms -> ms < 500);
                assertThat(missed[1]).as("victim's slow-zone names unanswered; answered in %s ms", slowMillis).isZero();
                assertThat(slowMillis).isNotEmpty().allMatch(ms -> ms < 3500);
                var stats = gw.gateway.stats();
                assertThat(stats.rateLimited.count(Reason.INFLIGHT, Transport.UDP)).as("of %d sent", sent)
                        .isGreaterThan(sent / 2);
                assertThat(stats.servfailNoUpstream.sum()).isZero();
            }
        }
    }
}
