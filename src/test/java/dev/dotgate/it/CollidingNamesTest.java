package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client floods the cache with names chosen so that their wire forms share one {@code Arrays.hashCode} (each
 * two-byte block "az" or "b[" adds the same to the polynomial hash): with that hash every lookup scanned one bucket
 * of all of them. Through a running gateway, 20,000 such names are cached, then asked again: the second round, all
 * cache hits, runs about as fast as the same round with ordinary names, and a real client (dig) is answered
 * during and after the flood.
 */
class CollidingNamesTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    private static final int NAMES = 20_000;
    private static final int WINDOW = 64;


    /** Query {@code i} of a set: QNAME "{blocks}.bench.test", type A, ID i; colliding or ordinary. */
    private static byte[] query(int i, boolean colliding) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(i >>> 8);
        b.write(i);
        b.writeBytes(new byte[] {1, 0, 0, 1, 0, 0, 0, 0, 0, 0}); // RD, one question
        StringBuilder label = new StringBuilder();
        for (int k = 0; k < 15; k++) {
            if (colliding) {
                label.append((i >>> k & 1) == 0 ? "az" : "b[");
            } else {
                label.append((char) ('a' + (i >>> k & 1) + 2 * (k % 12))).append('x');
            }
        }
        for (String l : List.of(label.toString(), "bench", "test")) {
            b.write(l.length());
            b.writeBytes(l.getBytes(StandardCharsets.US_ASCII));
        }
        b.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return b.toByteArray();
    }

    /** Sends every query with {@link #WINDOW} in flight; returns how many were answered NOERROR. */
    private static int ask(InetSocketAddress server, List<byte[]> queries) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            s.setSoTimeout(2000);
            s.setReceiveBufferSize(1 << 20);
            int sent = 0;
            int answered = 0;
            int outstanding = 0;
            byte[] buf = new byte[512];
            while (sent < queries.size() || outstanding > 0) {
                while (outstanding < WINDOW && sent < queries.size()) {
                    byte[] q = queries.get(sent++);
                    s.send(new DatagramPacket(q, q.length, server));
                    outstanding++;
                }
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    outstanding = 0; // lost ones stay unanswered; go on with the rest
                    continue;
                }
                outstanding--;
                if (p.getLength() >= 12 && (buf[3] & 0x0F) == 0 && (buf[2] & 0x80) != 0) {
                    answered++;
                }
            }
            return answered;
        }
    }

    private static List<byte[]> queries(boolean colliding) {
        List<byte[]> out = new ArrayList<>(NAMES);
        for (int i = 0; i < NAMES; i++) {
            out.add(query(i, colliding));
        }
        return out;
    }

    @Test
    void collidingNamesDoNotSlowTheCacheDown() throws Exception {
        List<byte[]> colliding = queries(true);
        List<byte[]> ordinary = queries(false);
        // The names of each set are distinct; those of the colliding set share one Arrays.hashCode.
        assertThat(colliding.stream().map(q -> Arrays.hashCode(Arrays.copyOfRange(q, 12, q.length - 4)))
                .distinct().count()).isEqualTo(1);
        assertThat(colliding.stream().map(Arrays::toString).distinct().count()).isEqualTo(NAMES);
        assertThat(ordinary.stream().map(Arrays::toString).distinct().count()).isEqualTo(NAMES);

        try (GatewayFixture gw = servers.gateway(b -> b.toml("[cache]\nmax_entries = 100000\n").timeout("3s"))) {
            InetSocketAddress server = gw.udp();
            // Fill: each name once (misses, answered from upstream and stored), then the timed round of hits.
            ask(server, ordinary);
            long t0 = System.nanoTime();
            int ordinaryHits = ask(server, ordinary);
            long ordinaryMillis = (System.nanoTime() - t0) / 1_000_000;

            AtomicReference<Proc.Result> during = new AtomicReference<>();
            long queriesBefore = gw.gateway.stats().queries.sum();
            Thread victim = new Thread(() -> {
                // While the colliding names are being asked: the first thousand of them are in.
                Eventually.until(() -> gw.gateway.stats().queries.sum() - queriesBefore >= NAMES / 20,
                        java.time.Duration.ofSeconds(10), "the colliding names under way");
                during.set(Proc.run(15, "dig", "@127.0.0.1", "-p", String.valueOf(gw.udpPort()), "+tries=1",
                        "+time=2", "a.test", "A"));
            });
            victim.start();
            ask(server, colliding);
            long hitsBefore = gw.gateway.snapshot().caching().cache().hits();
            long t1 = System.nanoTime();
            int collidingHits = ask(server, colliding);
            long collidingMillis = (System.nanoTime() - t1) / 1_000_000;
            long hits = gw.gateway.snapshot().caching().cache().hits() - hitsBefore;
            victim.join();
            System.out.println("hits of " + NAMES + " names: ordinary " + ordinaryMillis + " ms, colliding "
                    + collidingMillis + " ms");

            assertThat(ordinaryHits).isGreaterThan(NAMES * 99 / 100);
            assertThat(collidingHits).isGreaterThan(NAMES * 99 / 100);
            assertThat(hits).as("the second round is served from the cache").isGreaterThan(NAMES * 99L / 100);
            // Ordinary names set the pace on this machine now; colliding ones may take a little longer, not the
            // several times longer a scan of one bucket of 30,000 costs.
            assertThat(collidingMillis).as("colliding vs ordinary (%d ms)", ordinaryMillis)
                    .isLessThan(Math.max(2 * ordinaryMillis, ordinaryMillis + 1500));
            assertThat(during.get().out()).as("dig during the flood").contains("status: NOERROR");
            Proc.Result after = Proc.run(15, "dig", "@127.0.0.1", "-p", String.valueOf(gw.udpPort()), "+tries=1",
                    "+time=2", "a.test", "A");
            assertThat(after.out()).contains("status: NOERROR").contains("192.0.2.1");
        }
    }
}
