package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import java.net.DatagramSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Response rate limiting: a "client" (127.0.0.2, as a spoofed victim of a reflection attack would appear) asks
 * the same name 1,000 times a second for 2 s; beyond 20 identical answers a second, answers are not sent, every
 * second one of those goes out as an empty TC=1 reply. Another client is served, and so is the same one over
 * TCP.
 */
@ExtendWith(LeakCheck.class)
class ResponseRateLimitTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @Test
    void identicalAnswersOverTheRateAreDroppedOrSlippedAndOthersAreServed() throws Exception {
        String toml = """
                [limits]
                exempt = []
                query_rate = 0
                rrl_rate = 20
                rrl_slip = 2
                [policy]
                local = ["r.lim.test A 192.0.2.7"]
                """;
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            int sent;
            LimitsSupport.Receiver rx;
            try (DatagramSocket s = LimitsSupport.udpFrom(ATTACKER)) {
                rx = new LimitsSupport.Receiver(s);
                sent = LimitsSupport.flood(s, gw.udp(), "r.lim.test", false, 1000, 2000);
                // The last answers: every slip the gateway sent has arrived, and it has read what was left in its
                // socket (nothing changed since the last look).
                var st = gw.gateway.stats();
                long[] last = {-1};
                Eventually.tryUntil(() -> {
                    long seen = st.completed.sum();
                    boolean still = seen == last[0];
                    last[0] = seen;
                    return still && rx.truncated.get() >= st.rateLimited.rrlSlipped.sum();
                }, java.time.Duration.ofSeconds(2));
            }
            rx.close();
            int full = rx.answers.get() - rx.truncated.get();
            int tc = rx.truncated.get();
            // 2 s touch at most 3 one-second windows of 20 answers each.
            assertThat(full).as("full answers of %d", sent).isBetween(20, 60);
            assertThat(tc).as("TC=1 slips of %d", sent).isBetween((sent - 60) / 2 - 20, (sent - 20) / 2 + 20);
            assertThat(rx.answers.get()).as("answers sent of %d queries", sent).isLessThan(sent * 6 / 10);
            var stats = gw.gateway.stats();
            assertThat(stats.rateLimited.count(Reason.RRL, Transport.UDP)).isGreaterThan(sent / 3);
            assertThat(stats.rateLimited.rrlSlipped.sum()).isEqualTo(tc);
            assertThat(LimitsSupport.metric(gw, "dotgate_rate_limited_total", "reason=\"rrl\"", "transport=\"udp\""))
                    .isEqualTo(stats.rateLimited.count(Reason.RRL, Transport.UDP));
            assertThat(LimitsSupport.metric(gw, "dotgate_rrl_slipped_total")).isEqualTo(tc);

            String port = "" + gw.udpPort();
            assertThat(Proc.run(10, "dig", "@127.0.0.1", "-p", port, "-b", VICTIM, "+tries=1", "r.lim.test").out())
                    .contains("status: NOERROR").contains("192.0.2.7");
            assertThat(Proc.run(10, "dig", "@127.0.0.1", "-p", port, "-b", ATTACKER, "+tcp", "r.lim.test").out())
                    .contains("status: NOERROR").contains("192.0.2.7");
        }
    }
}
