package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * TCP and DoT streams against a running gateway: a length prefix over limits.max_query_size closes the
 * connection; a frame (or TLS record) that has started must be complete within limits.frame_timeout, however
 * slowly its bytes keep coming; idle counts from queries and answers. Real clients (dig, kdig) on other source
 * addresses are served meanwhile.
 */
class StreamLimitsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    static Path tmp;
    static Unbound unbound;
    static GatewayFixture gw;
    static Path events;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        events = tmp.resolve("events.jsonl");
        gw = servers.gateway(b -> b.toml("""
                [listen]
                idle_timeout = "4s"
                [limits]
                frame_timeout = "2s"
                max_query_size = 1024
                [events]
                sink = "%s"
                """.formatted(events)).timeout("3s"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void lengthPrefixOverMaxQuerySizeClosesTheConnectionAndRealClientsAreServed() throws Exception {
        long before = gw.gateway.stats().server.streamOversized.sum();
        try (Socket s = from("127.0.0.2", gw.tcpPort())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) 0xEA, 0x60, 1, 2, 3, 4}); // 60000 declared, 4 sent
            out.flush();
            s.setSoTimeout(3000);
            assertThat(s.getInputStream().read()).as("closed at once").isEqualTo(-1);
        }
        try (SSLSocket s = DnsClient.dot(gw.dotPort(), gw.caFile())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) 0xEA, 0x60, 1, 2, 3, 4});
            out.flush();
            assertThat(s.getInputStream().read()).as("DoT closed at once").isEqualTo(-1);
        }
        assertThat(gw.gateway.stats().server.streamOversized.sum() - before).isEqualTo(2);
        awaitEvent("\"oversized\"", 2);
        // A query of exactly max_query_size is served; one byte more is not.
        try (Socket s = from("127.0.0.3", gw.tcpPort())) {
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            DnsClient.writeFramed(out, paddedQuery(1024, 77));
            Message m = DnsClient.readFramed(in);
            assertThat(m.getHeader().getID()).isEqualTo(77);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            DnsClient.writeFramed(out, paddedQuery(1025, 78));
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(gw.gateway.stats().server.streamOversized.sum() - before).isEqualTo(3);
        Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "a.test", "A");
        assertThat(dig.out()).contains("status: NOERROR").contains("192.0.2.1");
        assertKdigServed();
    }

    @Test
    void tricklersAreClosedWithinTheFrameTimeoutWhileRealClientsAreServed() throws Exception {
        long before = gw.gateway.stats().server.streamFrameTimeout.sum();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            byte[] query = DnsClient.query("a.test.", Type.A, 4711).toWire();
            byte[] frame = new byte[2 + query.length];
            frame[0] = (byte) (query.length >> 8);
            frame[1] = (byte) query.length;
            System.arraycopy(query, 0, frame, 2, query.length);
            // 1: one byte a second of a frame that declares 300 bytes: never complete.
            firstBytes = new java.util.concurrent.CountDownLatch(4);
            Future<Long> never = pool.submit(() -> {
                byte[] endless = new byte[40];
                endless[0] = 1;
                endless[1] = 44; // 0x012c: 300
                try (Socket s = from("127.0.0.2", gw.tcpPort())) {
                    return millisUntilClosed(s, s.getInputStream(), s.getOutputStream(), endless, 1000);
                }
            });
            // 2: a whole, valid query frame, spread over 10 s.
            Future<Long> slow = pool.submit(() -> {
                try (Socket s = from("127.0.0.4", gw.tcpPort())) {
                    return millisUntilClosed(s, s.getInputStream(), s.getOutputStream(), frame,
                            10_000 / frame.length);
                }
            });
            // 3: DoT, after the handshake: a query frame one byte (one TLS record) a second.
            Future<Long> dot = pool.submit(() -> {
                try (SSLSocket s = DnsClient.dot(gw.dotPort(), gw.caFile())) {
                    return millisUntilClosed(s, s.getInputStream(), s.getOutputStream(), frame, 1000);
                }
            });
            // 4: DoT before any TLS: a record header (announcing a 200-byte ClientHello record) a byte a second.
            Future<Long> raw = pool.submit(() -> {
                byte[] record = new byte[40];
                record[0] = 22;
                record[1] = 3;
                record[2] = 1;
                record[4] = (byte) 200;
                try (Socket s = from("127.0.0.5", gw.dotPort())) {
                    return millisUntilClosed(s, s.getInputStream(), s.getOutputStream(), record, 1000);
                }
            });
            assertThat(firstBytes.await(5, TimeUnit.SECONDS)).as("the four slow clients under way").isTrue();
            // Meanwhile, real clients on another source address.
            Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-b", "127.0.0.3", "-p", "" + gw.tcpPort(), "+tcp",
                    "a.test", "A");
            assertThat(dig.out()).contains("status: NOERROR").contains("192.0.2.1");
            assertKdigServed();
            for (Future<Long> f : List.of(never, slow, dot, raw)) {
                assertThat(f.get(20, TimeUnit.SECONDS)).as("closed about frame_timeout after the first byte")
                        .isBetween(1500L, 4500L);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(gw.gateway.stats().server.streamFrameTimeout.sum() - before).isEqualTo(4);
        awaitEvent("\"frame_timeout\"", 4);
        Proc.Result after = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "a.test", "A");
        assertThat(after.out()).contains("status: NOERROR");
    }

    @Test
    void idleCountsFromQueriesAndAnswersNotBytes() throws Exception {
        // Silent after accept: closed after idle_timeout (4 s).
        try (Socket s = from("127.0.0.6", gw.tcpPort())) {
            long t0 = System.nanoTime();
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(3500L, 6000L);
        }
        // A query every 1.5 s keeps it open past the idle timeout; then silence closes it.
        try (Socket s = from("127.0.0.6", gw.tcpPort())) {
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            Pace pace = Pace.everyMillis(1500);
            for (int i = 0; i < 5; i++) {
                DnsClient.writeFramed(out, DnsClient.query("a.test.", Type.A, 100 + i).toWire());
                assertThat(DnsClient.readFramed(in).getHeader().getID()).isEqualTo(100 + i);
                pace.next();
            }
            s.setSoTimeout(10_000);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    /** Counted down by {@link #millisUntilClosed} once a slow client's first byte is out. */
    private static volatile java.util.concurrent.CountDownLatch firstBytes = new java.util.concurrent.CountDownLatch(0);

    /**
     * Writes {@code bytes} one at a time, {@code gapMillis} apart, waiting for the server to close meanwhile;
     * the milliseconds from the first byte to the close, or fails if all went out and it stayed open 3 s more.
     */
    private static long millisUntilClosed(Socket s, InputStream in, OutputStream out, byte[] bytes, int gapMillis)
            throws IOException {
        long t0 = System.nanoTime();
        s.setSoTimeout(Math.max(1, gapMillis));
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length) {
                s.setSoTimeout(3000);
            } else {
                try {
                    out.write(bytes[i]);
                    out.flush();
                    if (i == 0) {
                        firstBytes.countDown();
                    }
                } catch (IOException e) {
                    return (System.nanoTime() - t0) / 1_000_000; // reset: closed
                }
            }
            try {
                if (in.read() == -1) {
                    return (System.nanoTime() - t0) / 1_000_000;
                }
                throw new AssertionError("no data expected before the frame is complete");
            } catch (SocketTimeoutException e) {
                // still open: next byte
            } catch (IOException e) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
        }
        throw new AssertionError("still open " + (System.nanoTime() - t0) / 1_000_000 + " ms after the first byte");
    }

    private static Socket from(String source, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
        s.setTcpNoDelay(true);
        return s;
    }

    /** A query for a.test. of exactly {@code size} bytes (EDNS padding fills it up). */
    private static byte[] paddedQuery(int size, int id) {
        Message q = DnsClient.query("a.test.", Type.A, id);
        int base = q.toWire().length + 11 + 4; // an OPT record, then one option's code and length
        List<EDNSOption> pad = List.of(new GenericEDNSOption(EDNSOption.Code.PADDING, new byte[size - base]));
        q.addRecord(new OPTRecord(1232, 0, 0, 0, pad), org.xbill.DNS.Section.ADDITIONAL);
        byte[] wire = q.toWire();
        assertThat(wire).hasSize(size);
        return wire;
    }

    private static void assertKdigServed() {
        Proc.Result kdig = Proc.run(15, "kdig", "@127.0.0.1", "-p", "" + gw.dotPort(), "+tls-ca=" + gw.caFile(),
                "+tls-hostname=localhost", "a.test", "A");
        assertThat(kdig.out()).contains("status: NOERROR").contains("192.0.2.1");
    }

    private static void awaitEvent(String reason, int count) {
        long n = EventLog.awaitLinesContaining(events, reason, count);
        assertThat(n).as("events with reason " + reason).isGreaterThanOrEqualTo(count);
    }
}
