package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.ByteArrayOutputStream;
import java.net.DatagramSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A query flood from one client (127.0.0.2) against a per-client rate of 200 a second (burst 200): over UDP
 * the queries beyond it are dropped, counted and reported; over TCP the connection is slowed down (reading
 * paused until the bucket has a token again), every query answered, none dropped. Meanwhile another client
 * (127.0.0.3) is served throughout.
 */
@ExtendWith(LeakCheck.class)
class ClientQueryFloodTest {
    /** Another flooding client, with a bucket of its own. */
    static final String SECOND_ATTACKER = "127.0.0.4";
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void theFloodingClientIsLimitedAndTheOtherServed() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        String toml = """
                [limits]
                exempt = []
                query_rate = 200
                query_burst = 200
                rrl_rate = 0
                [policy]
                local = ["x.lim.test A 192.0.2.8", "v.lim.test A 192.0.2.7"]
                [events]
                sink = "%s"
                """.formatted(events);
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            AtomicInteger victimAnswered = new AtomicInteger();
            AtomicInteger victimAsked = new AtomicInteger();
            Thread victim = new Thread(() -> {
                Pace pace = Pace.everyMillis(40); // a client asking now and then during the flood
                for (int i = 0; i < 40; i++) {
                    try {
                        victimAsked.incrementAndGet();
                        Message m = LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", 100 + i, 1000);
                        if (m != null && m.getRcode() == Rcode.NOERROR) {
                            victimAnswered.incrementAndGet();
                        }
                        pace.next();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            int sent;
            LimitsSupport.Receiver rx;
            try (DatagramSocket s = LimitsSupport.udpFrom(ATTACKER)) {
                rx = new LimitsSupport.Receiver(s);
                victim.start();
                sent = LimitsSupport.flood(s, gw.udp(), "x.lim.test", false, 4000, 2000);
                victim.join(10_000);
                // The last answers: every exchange the gateway completed was answered, the victim's aside, and
                // it has read what was left in its socket (nothing changed since the last look).
                var st = gw.gateway.stats();
                long[] last = {-1};
                Eventually.tryUntil(() -> {
                    long seen = st.completed.sum() + st.rateLimited.count(Reason.QUERY_RATE, Transport.UDP);
                    boolean still = seen == last[0];
                    last[0] = seen;
                    return still && rx.answers.get() >= st.completed.sum() - victimAsked.get();
                }, Duration.ofSeconds(2));
            }
            rx.close();
            assertThat(victimAnswered.get()).as("victim answered of %d", victimAsked.get())
                    .isGreaterThanOrEqualTo(victimAsked.get() - 1);
            // burst 200 plus 200 a second for about 2 s
            assertThat(rx.answers.get()).as("attacker answered of %d sent", sent).isBetween(400, 800);
            var stats = gw.gateway.stats();
            long dropped = stats.rateLimited.count(Reason.QUERY_RATE, Transport.UDP);
            // every query the gateway read and did not answer was dropped by the rate (the kernel may lose a few)
            assertThat(dropped).isBetween((sent - rx.answers.get()) * 9L / 10, (long) sent - rx.answers.get());
            assertThat(LimitsSupport.metric(gw, "dotgate_rate_limited_total", "reason=\"query_rate\"",
                    "transport=\"udp\"")).isEqualTo(dropped);
            assertThat(LimitsSupport.metric(gw, "dotgate_queries_total", "decision=\"rate_limited\"",
                    "transport=\"udp\"")).isEqualTo(dropped);
            JsonNode e = awaitEvent(events, "rate_limited");
            assertThat(e.path("client").asText()).isEqualTo(ATTACKER);
            assertThat(e.path("reason").asText()).isEqualTo("query_rate");
            assertThat(e.path("transport").asText()).isEqualTo("udp");

            // Over TCP, from another address (its bucket full): 600 queries pipelined at once. The bucket lets 200
            // through at once, the rest at 200 a second: about 2 s, and every one answered.
            try (Socket s = LimitsSupport.tcpFrom(SECOND_ATTACKER, gw.tcpPort())) {
                s.setSoTimeout(5000);
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                DataOutputStream frames = new DataOutputStream(all);
                for (int i = 0; i < 600; i++) {
                    DnsClient.writeFramed(frames, DnsClient.query("x.lim.test", Type.A, i).toWire());
                }
                long start = System.nanoTime();
                s.getOutputStream().write(all.toByteArray());
                DataInputStream in = new DataInputStream(s.getInputStream());
                boolean[] seen = new boolean[600];
                for (int i = 0; i < 600; i++) {
                    Message m = DnsClient.readFramed(in);
                    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                    seen[m.getHeader().getID()] = true;
                    if (i == 300) { // in the middle of it, the other client is served at once
                        long t = System.nanoTime();
                        assertThat(LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", 7, 1000)).isNotNull();
                        assertThat(LimitsSupport.tcpAsk(VICTIM, gw.tcpPort(), "v.lim.test", 8).getRcode())
                                .isEqualTo(Rcode.NOERROR);
                        assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(1000);
                    }
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                for (boolean b : seen) {
                    assertThat(b).isTrue();
                }
                assertThat(millis).as("600 queries at 200/s after a burst of 200").isBetween(1500L, 4000L);
            }
            assertThat(stats.rateLimited.count(Reason.QUERY_RATE, Transport.TCP)).isPositive();
            assertThat(LimitsSupport.metric(gw, "dotgate_rate_limited_total", "reason=\"query_rate\"",
                    "transport=\"tcp\"")).isPositive();
            assertThat(stats.streamClosedUnframeable.sum()).isZero();
        }
    }

    /** The first event with {@code decision}, its data. */
    static JsonNode awaitEvent(Path file, String decision) {
        return EventLog.awaitData(file, d -> d.path("decision").asText().equals(decision));
    }
}
