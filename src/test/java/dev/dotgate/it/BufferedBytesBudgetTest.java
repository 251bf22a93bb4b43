package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The global budget of buffered bytes: connections that each leave a 60 KB query frame unfinished (with
 * limits.max_query_size at its maximum) make the gateway buffer about that much apiece, up to 4,000 of them, until
 * the gateway refuses them. With limits.max_buffered_bytes at its minimum above what the process uses at the start,
 * the gateway stops accepting connections (and drops new UDP queries) once over it, so its direct memory stays
 * within the budget plus 16 MiB (one sampling period and one allocator chunk), while a client connected before
 * goes on being served; once the connections are gone (the allocator keeps a few freed chunks for reuse, less
 * than the minimum budget), new clients are served again.
 */
@ExtendWith(LeakCheck.class)
class BufferedBytesBudgetTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    static long used() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    @Test
    void overTheBudgetNewConnectionsAndDatagramsAreRefused() throws Exception {
        // What a gateway holds once started (receive buffers, pooled chunks), measured on one that is then stopped.
        long started;
        try (GatewayFixture probe = servers.gateway(b -> b.toml("").upstreams(null, "udp://127.0.0.1:9"))) {
            LimitsSupport.udpAsk(VICTIM, probe.udp(), "v.lim.test", 1, 2000);
            started = used();
        }
        long budget = started + LimitsOptions.MIN_BUFFERED_BYTES;
        String toml = """
                [listen]
                max_connections = 5000
                [limits]
                max_query_size = 65535
                max_buffered_bytes = %d
                [policy]
                local = ["v.lim.test A 192.0.2.7"]
                """.formatted(budget);
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            assertThat(LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", 1, 2000)).isNotNull();
            assertThat(used()).as("in use before the attack, budget %d", budget).isLessThan(budget - (1L << 19));
            AtomicLong peak = new AtomicLong();
            AtomicLong samples = new AtomicLong();
            AtomicBoolean attacking = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                Pace pace = Pace.everyMillis(2);
                while (attacking.get()) {
                    peak.accumulateAndGet(used(), Math::max);
                    samples.incrementAndGet();
                    try {
                        pace.next();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            List<Socket> held = new ArrayList<>();
            try (Socket early = LimitsSupport.tcpFrom(VICTIM, gw.tcpPort())) {
                early.setSoTimeout(3000);
                DataOutputStream out = new DataOutputStream(early.getOutputStream());
                DataInputStream in = new DataInputStream(early.getInputStream());
                DnsClient.writeFramed(out, DnsClient.query("v.lim.test", Type.A, 2).toWire());
                assertThat(DnsClient.readFramed(in).getRcode()).isEqualTo(Rcode.NOERROR);

                sampler.start();
                byte[] partial = new byte[2 + 60_000];
                partial[0] = (byte) (65_000 >> 8);
                partial[1] = (byte) 65_000;
                for (int i = 0; i < 4000 && gw.gateway.stats().rateLimited.total(Reason.BUFFERED_BYTES) < 50; i++) {
                    Socket s = LimitsSupport.tcpFrom(ATTACKER, gw.tcpPort());
                    held.add(s);
                    try {
                        s.getOutputStream().write(partial);
                    } catch (IOException e) {
                        // closed at accept: the budget is spent
                    }
                }
                // What the last connections sent lands and is sampled: 100 more samples, about 200 ms.
                long sampled = samples.get();
                Eventually.until(() -> samples.get() >= sampled + 100, Duration.ofSeconds(5),
                        "the memory sampled after the attack");
                long refused = gw.gateway.stats().rateLimited.count(Reason.BUFFERED_BYTES, Transport.TCP);
                assertThat(refused).as("connections refused of %d", held.size()).isPositive();
                // The budget is sampled every 20 ms and the allocator grows by whole chunks (up to 8 MiB), so it can be
                // passed by what arrives within one sample and the chunk it lands in: 16 MiB of slack, against
                // 240 MB without a budget.
                assertThat(peak.get()).as("direct memory in use, budget %d", budget).isLessThan(budget + (16L << 20));

                // Meanwhile: the client connected before is served; a new UDP query is dropped, counted.
                DnsClient.writeFramed(out, DnsClient.query("v.lim.test", Type.A, 3).toWire());
                assertThat(DnsClient.readFramed(in).getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", 4, 300)).isNull();
                assertThat(gw.gateway.stats().rateLimited.count(Reason.BUFFERED_BYTES, Transport.UDP)).isPositive();
                assertThat(LimitsSupport.metric(gw, "dotgate_rate_limited_total", "reason=\"buffered_bytes\"",
                        "transport=\"tcp\"")).isEqualTo(
                        gw.gateway.stats().rateLimited.count(Reason.BUFFERED_BYTES, Transport.TCP));
            } finally {
                attacking.set(false);
                for (Socket s : held) {
                    s.close();
                }
            }
            // The connections gone, their bytes are freed and new clients are let in again.
            AtomicInteger id = new AtomicInteger(10);
            Message m = Eventually.value(() -> LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test",
                    id.getAndIncrement(), 200), answer -> answer != null, Duration.ofSeconds(30),
                    "a UDP answer again after the attack");
            assertThat(m).as("served again after the attack").isNotNull();
            assertThat(LimitsSupport.tcpAsk(VICTIM, gw.tcpPort(), "v.lim.test", 5).getRcode())
                    .isEqualTo(Rcode.NOERROR);
        }
    }
}
