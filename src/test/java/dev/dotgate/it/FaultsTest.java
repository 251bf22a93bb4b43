package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** Upstreams that go silent, die and come back: every query gets an answer, and none is lost to a reconnect. */
class FaultsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void silentUpstreamGivesServfailWithinTheTimeout() throws Exception {
        Path dir = tmp.resolve("silent");
        java.nio.file.Files.createDirectories(dir);
        Unbound.makeCertificates(dir);
        int port = Ports.free();
        // openssl s_server completes TLS handshakes and then never answers a query.
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-quiet",
                "-cert", dir.resolve("upstream.pem").toString(), "-key", dir.resolve("upstream.key").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile()).start();
        try {
            Ports.awaitListening(port, 10_000);
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(dir.resolve("ca.pem"),
                    "tls://127.0.0.1:" + port + "#" + Unbound.AUTH_NAME).timeout("1s"))) {
                long start = System.nanoTime();
                Message m = DnsClient.udp(gw.udp(), DnsClient.query("a.test.", Type.A, 321), 5000);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(m).as("an answer, not silence").isNotNull();
                assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
                assertThat(m.getHeader().getID()).isEqualTo(321);
                assertThat(m.getQuestion().getName().toString()).isEqualTo("a.test.");
                assertThat(millis).isBetween(900L, 1800L);
                Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "b.test", "+tries=1",
                        "+timeout=5");
                assertThat(dig.out()).contains("status: SERVFAIL").contains(";b.test.");
            }
        } finally {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void upstreamKilledAndRestartedMidStreamLosesOnlyTheOutageWindow() throws Exception {
        Unbound unbound = servers.ownUnbound(); // killed and restarted: not the shared one
        try (GatewayFixture gw = servers.gateway(b -> b.upstream(unbound).timeout("1s"))) {
            long t0 = System.nanoTime();
            List<long[]> results = Collections.synchronizedList(new ArrayList<>()); // {sentMillis, rcode or -1}
            ExecutorService clients = Executors.newFixedThreadPool(8);
            AtomicInteger seq = new AtomicInteger();
            long endMillis = 8000;
            for (int c = 0; c < 8; c++) {
                clients.submit(() -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.setSoTimeout(3000);
                        Pace pace = Pace.everyMillis(5);
                        while ((System.nanoTime() - t0) / 1_000_000 < endMillis) {
                            int n = seq.incrementAndGet();
                            long sent = (System.nanoTime() - t0) / 1_000_000;
                            results.add(new long[] {sent, exchange(s, gw.udp(), n)});
                            pace.next();
                        }
                    }
                    return null;
                });
            }
            // The fault, on the scenario's timeline: killed 2 s in, down for 1 s.
            ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor();
            long[] outage = new long[2];
            faults.schedule(() -> {
                outage[0] = (System.nanoTime() - t0) / 1_000_000;
                unbound.kill();
                return null;
            }, 2000, TimeUnit.MILLISECONDS);
            ScheduledFuture<?> restart = faults.schedule(() -> {
                unbound.start();
                outage[1] = (System.nanoTime() - t0) / 1_000_000;
                return null;
            }, 3000, TimeUnit.MILLISECONDS);
            restart.get(10, TimeUnit.SECONDS);
            faults.shutdown();
            long killedAt = outage[0];
            long restartedAt = outage[1];
            clients.shutdown();
            assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

            assertThat(results.size()).isGreaterThan(1000);
            for (long[] r : results) {
                assertThat(r[1]).as("query sent at %d ms got no answer at all", r[0]).isNotEqualTo(-1);
                boolean inWindow = r[0] >= killedAt - 1000 && r[0] <= restartedAt + 2600;
                if (!inWindow) {
                    assertThat(r[1]).as("query sent at %d ms (outage %d-%d ms)", r[0], killedAt, restartedAt)
                            .isEqualTo(Rcode.NOERROR);
                } else {
                    assertThat(r[1]).isIn((long) Rcode.NOERROR, (long) Rcode.SERVFAIL);
                }
            }
            long recovered = results.stream().filter(r -> r[0] > restartedAt + 2600).count();
            assertThat(recovered).as("queries after recovery").isGreaterThan(100);
        }
    }

    @Test
    void queriesOnAKilledUpstreamAreRetriedOnTheOtherOneAndNoneIsLost() throws Exception {
        Unbound one = servers.ownUnbound(); // killed: not the shared one
        Unbound two = servers.ownUnbound();
        // Both test CAs trusted: concatenate them into one bundle.
        Path bundle = tmp.resolve("bundle.pem");
        java.nio.file.Files.writeString(bundle, java.nio.file.Files.readString(one.caFile())
                + java.nio.file.Files.readString(two.caFile()));
        // Round robin without hedging, so that queries are in flight on the killed one (see UpstreamChoiceTest for
        // the default strategy's failover).
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(bundle, one.uri(), two.uri())
                .toml("[upstream]\nstrategy = \"round_robin\"\nhedging = false\n"))) {
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Long> rcodes = Collections.synchronizedList(new ArrayList<>());
            long t0 = System.nanoTime();
            for (int c = 0; c < 8; c++) {
                clients.submit(() -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.setSoTimeout(4000);
                        int n = 0;
                        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4)) {
                            rcodes.add(exchange(s, gw.udp(), n++));
                        }
                    }
                    return null;
                });
            }
            ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor();
            faults.schedule(() -> {
                one.kill(); // 1.5 s into the clients' 4 s
                return null;
            }, 1500, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
            faults.shutdown();
            clients.shutdown();
            assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
            assertThat(rcodes.size()).isGreaterThan(500);
            assertThat(rcodes).as("every query answered NOERROR").containsOnly((long) Rcode.NOERROR);
            assertThat(gw.gateway.stats().retries.sum()).isPositive();
        }
    }

    /** One query; returns the rcode, or -1 when no answer came. */
    private static long exchange(DatagramSocket s, InetSocketAddress server, int n) throws IOException {
        int id = n & 0xffff;
        byte[] q = DnsClient.query("r" + n + "-" + s.getLocalPort() + ".bench.test.", Type.A, id).toWire();
        s.send(new DatagramPacket(q, q.length, server));
        byte[] buf = new byte[512];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return -1;
            }
            Message m = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
            if (m.getHeader().getID() == id) {
                return m.getRcode();
            }
        }
    }
}
