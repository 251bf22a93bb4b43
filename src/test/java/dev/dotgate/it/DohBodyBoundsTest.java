package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.observe.Stats;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Type;

/**
 * What HTTP/2 clients can make the gateway hold: POST bodies that start and stall, on many streams and several
 * connections. max_queries_per_connection 64, max_query_size 4096 (default), frame_timeout 3 s. The test
 * clients' buffers are unpooled, so the gateway's pooled direct memory (Netty's default allocator, which only
 * the in-JVM gateway uses here) is what is measured.
 */
class DohBodyBoundsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    private static final int STREAMS = 64;
    /** Four connections of 64 stalled streams, each having sent 40,000 of a declared 60,000 bytes. */
    private static final int CONNECTIONS = 4;
    /** The bound on the gateway's direct memory growth during the attack, stated: 4 MiB. */
    private static final long MEMORY_BOUND = 4L << 20;

    static Unbound unbound;
    static GatewayFixture gw;
    static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        gw = servers.gateway(b -> b.toml("""
                [listen]
                doh = ["127.0.0.1:0"]
                max_queries_per_connection = 64
                [limits]
                frame_timeout = "3s"
                """));
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (gw != null) {
            gw.close();
        }
    }

    private static Stats stats() {
        return gw.gateway.stats();
    }

    /** Direct memory held by Netty's default (pooled) allocator: the gateway's buffers. */
    private static long direct() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    /** kdig over DoH (GnuTLS, libnghttp2), POST: a real client. */
    private static void assertKdigServed(String name) {
        Proc.Result r = Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dohPort()), "+https",
                "+tls-ca=" + gw.caFile(), "+tls-hostname=dotgate.test", "+timeout=5", name, "A");
        assertThat(r.out()).as(name).contains("NOERROR").contains("192.0.2.2");
    }

    @Test
    void stalledOversizedPostsAreAnswered413HoldNoMemoryAndAreResetAtTheFrameTimeout() throws Exception {
        assertKdigServed("warm.bench.test");
        long before = direct();
        long timedOut = stats().server.dohStreamsTimedOut.sum();
        long tooLarge = stats().server.dohBadRequests.get(413);
        List<H2Client> clients = new ArrayList<>();
        List<List<Http2FrameStream>> streams = new ArrayList<>();
        long peak = before;
        try {
            for (int c = 0; c < CONNECTIONS; c++) {
                H2Client client = new H2Client(group, gw.dohPort(), gw.caFile());
                clients.add(client);
                List<Http2FrameStream> mine = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    mine.add(client.send(H2Client.post(60_000), false, false));
                }
                client.flush();
                for (Http2FrameStream s : mine) {
                    client.data(s, Unpooled.wrappedBuffer(new byte[40_000]), false); // and then nothing more
                }
                streams.add(mine);
            }
            long[] sampled = {peak};
            Pace.sampleFor(java.time.Duration.ofMillis(1500), java.time.Duration.ofMillis(20), // the streams held
                    () -> sampled[0] = Math.max(sampled[0], direct()));
            peak = sampled[0];
            assertKdigServed("during.bench.test");
            peak = Math.max(peak, direct());
            System.out.printf("direct memory: before %d, peak %d (+%d KiB)%n", before, peak, (peak - before) >> 10);
            assertThat(peak - before).as("growth of the gateway's direct memory, bytes").isLessThan(MEMORY_BOUND);
            for (int c = 0; c < CONNECTIONS; c++) {
                for (Http2FrameStream s : streams.get(c)) {
                    H2Client.Response r = clients.get(c).response(s, 5);
                    assertThat(r).as("stream %d", s.id()).isNotNull();
                    assertThat(r.status()).as("stream %d", s.id()).isEqualTo("413");
                }
            }
            for (int c = 0; c < CONNECTIONS; c++) {
                for (Http2FrameStream s : streams.get(c)) {
                    assertThat(clients.get(c).reset(s, 6)).as("stream %d reset at the frame timeout", s.id())
                            .isEqualTo(Http2Error.CANCEL.code());
                }
                assertThat(clients.get(c).channel.isActive()).isTrue();
            }
            assertThat(direct() - before).as("growth of the gateway's direct memory, bytes").isLessThan(MEMORY_BOUND);
        } finally {
            clients.forEach(H2Client::close);
        }
        assertThat(stats().server.dohBadRequests.get(413) - tooLarge).isEqualTo(CONNECTIONS * STREAMS);
        assertThat(stats().server.dohStreamsTimedOut.sum() - timedOut).isEqualTo(CONNECTIONS * STREAMS);
        assertKdigServed("after.bench.test");
    }

    @Test
    void bodiesInProgressStayWithinTheConnectionBudgetAndTheirWindowIsHeldUntilTheyEnd() throws Exception {
        long refused = stats().server.dohStreamsRefused.sum();
        double malformed = malformedDrops();
        try (H2Client c = new H2Client(group, gw.dohPort(), gw.caFile())) {
            assertThat(c.response(c.send(H2Client.get("first.bench.test"), true), 5).status()).isEqualTo("200");
            assertThat(c.streamInitialWindow()).as("SETTINGS_INITIAL_WINDOW_SIZE").isEqualTo(4097);
            // 20 bodies of 4000 bytes, 3000 sent: 16 fit in the 65,535-byte budget, the other 4 are refused.
            List<Http2FrameStream> posts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                posts.add(c.send(H2Client.post(4000), false, false));
            }
            c.flush();
            for (Http2FrameStream s : posts) {
                c.data(s, Unpooled.wrappedBuffer(new byte[3000]), false);
            }
            for (Http2FrameStream s : posts.subList(16, 20)) {
                assertThat(c.reset(s, 5)).as("stream %d", s.id()).isEqualTo(Http2Error.REFUSED_STREAM.code());
            }
            // A GET (no body) is served meanwhile.
            assertThat(c.response(c.send(H2Client.get("meanwhile.bench.test"), true), 5).status()).isEqualTo("200");
            // The 48,000 bytes held are not given back while their bodies are incomplete.
            assertThat(c.connectionWindow()).as("connection window left to us").isLessThan(65_535 - 40_000);
            // One body completed: it goes down the query path (FORMERR: 4000 bytes of zeros) and is answered.
            Http2FrameStream done = posts.get(0);
            c.data(done, Unpooled.wrappedBuffer(new byte[1000]), true);
            H2Client.Response r = c.response(done, 5);
            assertThat(r.status()).isEqualTo("200");
            assertThat(r.contentType()).isEqualTo("application/dns-message");
            // The other 15 are reset at the frame timeout, and the budget is free again.
            for (Http2FrameStream s : posts.subList(1, 16)) {
                assertThat(c.reset(s, 6)).as("stream %d", s.id()).isEqualTo(Http2Error.CANCEL.code());
            }
            byte[] query = DnsClient.query("post.bench.test", Type.A, 0).toWire();
            Http2FrameStream post = c.send(H2Client.post(query.length), false);
            c.data(post, Unpooled.wrappedBuffer(query), true);
            assertThat(c.response(post, 5).status()).isEqualTo("200");
            assertThat(c.channel.isActive()).isTrue();
        }
        assertThat(stats().server.dohStreamsRefused.sum() - refused).isEqualTo(4);
        // The 15 bodies cut off by the frame timeout are each reported dropped (malformed, "body_timeout").
        assertThat(malformedDrops() - malformed).as("dropped DoH queries, decision malformed").isEqualTo(15);
    }

    /** Queries reported dropped (no answer, so no rcode) over DoH with the decision malformed. */
    private static double malformedDrops() {
        io.micrometer.core.instrument.Counter c = gw.gateway.metrics().registry().find("dotgate.queries")
                .tags("transport", "doh", "decision", "malformed", "rcode", "none").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aBodyOverTheLargestQueryWithoutContentLengthGets413AtOnce() throws Exception {
        try (H2Client c = new H2Client(group, gw.dohPort(), gw.caFile())) {
            var headers = H2Client.post(0);
            headers.remove("content-length");
            Http2FrameStream s = c.send(headers, false);
            for (int i = 0; i < 3; i++) {
                c.data(s, Unpooled.wrappedBuffer(new byte[2000]), false);
            }
            long t0 = System.nanoTime();
            H2Client.Response r = c.response(s, 5);
            assertThat(r).isNotNull();
            assertThat(r.status()).isEqualTo("413");
            assertThat(r.text()).contains("4096");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("not left to the frame timeout")
                    .isLessThan(2000);
            assertThat(c.response(c.send(H2Client.get("after413.bench.test"), true), 5).status()).isEqualTo("200");
        }
    }

    @Test
    void http1ARequestTrickledByteByByteGets408AtTheFrameTimeout() throws Exception {
        try (javax.net.ssl.SSLSocket s = DnsClient.tls(gw.dohPort(), gw.caFile(), "http/1.1")) {
            var out = s.getOutputStream();
            var in = s.getInputStream();
            java.util.concurrent.CompletableFuture<String> reply = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                        } catch (java.io.IOException e) {
                            return "read failed: " + e;
                        }
                    });
            long t0 = System.nanoTime();
            out.write("GET /dns-query?dns=".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            boolean kdigDone = false;
            // One byte every 200 ms: never idle, never complete. Stops when answered, or after 10 s.
            Pace pace = Pace.everyMillis(200);
            while (!reply.isDone() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
                try {
                    out.write('A');
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                if (!kdigDone) {
                    assertKdigServed("trickle.bench.test"); // a real client meanwhile
                    kdigDone = true;
                }
                pace.next();
            }
            String answer = reply.get(5, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(answer).startsWith("HTTP/1.1 408").containsIgnoringCase("connection: close")
                    .contains("not complete in time");
            assertThat(ms).as("answered and closed at the frame timeout (3 s)").isBetween(2500L, 6000L);
        }
        assertKdigServed("after-trickle.bench.test");
    }
}
