package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The global budget of buffered bytes: connections that each leave a 3.5 KB query frame unfinished make the
 * gateway buffer a few KB apiece (up to 4,000 of them, until the gateway refuses them; the allocator's chunks
 * that earlier tests left free in this JVM absorb the first ones). With limits.max_buffered_bytes 1.5 MiB above what the process uses at the
 * start, the gateway stops accepting connections (and drops new UDP queries) once over it, so its direct memory
 * stays within the budget plus 2 MiB (one sampling period and one allocator chunk), while a client connected before goes on being served; once the
 * connections are gone, new clients are served again.
 */
@ExtendWith(LeakCheck.class)
class BufferedBytesBudgetTest {
    @TempDir
    Path tmp;

    static long used() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    @Test
    void overTheBudgetNewConnectionsAndDatagramsAreRefused() throws Exception {
        // What a gateway holds once started (receive buffers, pooled chunks), measured on one that is then stopped.
        long started;
        try (GatewayFixture probe = GatewayFixture.fromToml(tmp.resolve("probe"), "", null, "2s", c -> c,
                "udp://127.0.0.1:9")) {
            LimitsSupport.udpAsk(VICTIM, probe.udp(), "v.lim.test", 1, 2000);
            started = used();
        }
        long budget = Math.max(1L << 20, started + (3L << 19));
        String toml = """
                [listen]
                max_connections = 5000
                [limits]
                max_buffered_bytes = %d
                [policy]
                local = ["v.lim.test A 192.0.2.7"]
                """.formatted(budget);
        try (GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("gw"), toml, null, "2s", c -> c,
                "udp://127.0.0.1:9")) {
            assertThat(LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", 1, 2000)).isNotNull();
            assertThat(used()).as("in use before the attack, budget %d", budget).isLessThan(budget - (1L << 19));
            AtomicLong peak = new AtomicLong();
            AtomicBoolean attacking = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (attacking.get()) {
                    peak.accumulateAndGet(used(), Math::max);
                    try {
                        Thread.sleep(2);
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
                byte[] partial = new byte[2 + 3500];
                partial[0] = (byte) (4000 >> 8);
                partial[1] = (byte) 4000;
                for (int i = 0; i < 4000 && gw.gateway.stats().rateLimited.total(Reason.BUFFERED_BYTES) < 50; i++) {
                    Socket s = LimitsSupport.tcpFrom(ATTACKER, gw.tcpPort());
                    held.add(s);
                    try {
                        s.getOutputStream().write(partial);
                    } catch (IOException e) {
                        // closed at accept: the budget is spent
                    }
                }
                Thread.sleep(200);
                long refused = gw.gateway.stats().rateLimited.count(Reason.BUFFERED_BYTES, Transport.TCP);
                assertThat(refused).as("connections refused of %d", held.size()).isPositive();
                // The budget is sampled every 20 ms and the allocator grows by whole chunks, so it can be passed by what
                // arrives within one sample and the chunk it lands in: 2 MiB of slack, against 14 MB without a budget.
                assertThat(peak.get()).as("direct memory in use, budget %d", budget).isLessThan(budget + (2L << 20));

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
            Message m = null;
            for (int i = 0; i < 100 && m == null; i++) {
                Thread.sleep(100);
                m = LimitsSupport.udpAsk(VICTIM, gw.udp(), "v.lim.test", 10 + i, 200);
            }
            assertThat(m).as("served again after the attack").isNotNull();
            assertThat(LimitsSupport.tcpAsk(VICTIM, gw.tcpPort(), "v.lim.test", 5).getRcode())
                    .isEqualTo(Rcode.NOERROR);
        }
    }
}
