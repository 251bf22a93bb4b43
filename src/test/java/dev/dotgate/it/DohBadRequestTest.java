package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Malformed DoH requests against a running gateway: each gets its own 4xx with a short text/plain reason, on its
 * own stream (HTTP/2) or in its turn (HTTP/1.1), and the connection and its other requests carry on. Driven by
 * Netty's HTTP/2 client (many bad streams at once on one connection) and by curl over both HTTP versions, one
 * connection for several URLs. Default limits: max_query_size 4096, header lists of 8 KiB.
 */
class DohBadRequestTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    static Path tmp;
    static Unbound unbound;
    static GatewayFixture gw;
    static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        gw = servers.gateway(b -> b.toml("[listen]\ndoh = [\"127.0.0.1:0\"]\n"));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
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

    private static double badRequests(int status) {
        FunctionCounter c = gw.gateway.metrics().registry().find("dotgate.doh.bad.requests")
                .tag("status", Integer.toString(status)).functionCounter();
        return c == null ? 0 : c.count();
    }

    private static double malformedEvents() {
        Counter c = gw.gateway.metrics().registry().find("dotgate.queries")
                .tags("transport", "doh", "decision", "malformed", "rcode", "none").counter();
        return c == null ? 0 : c.count();
    }

    private static void assertAnswer(H2Client.Response r, String what) throws Exception {
        assertThat(r).as(what).isNotNull();
        assertThat(r.status()).as(what).isEqualTo("200");
        assertThat(r.contentType()).as(what).isEqualTo("application/dns-message");
        assertThat(new Message(r.body()).getRcode()).as(what).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void badStreamsOnOneHttp2ConnectionGetTheirOwnStatusAndTheOthersAreServed() throws Exception {
        double[] before = {badRequests(400), badRequests(405), badRequests(413), badRequests(414), badRequests(415),
                badRequests(431)};
        double eventsBefore = malformedEvents();
        try (H2Client c = new H2Client(group, gw.dohPort(), gw.caFile())) {
            // One round trip first, so both sides have each other's SETTINGS (the 8 KiB header list among them).
            assertAnswer(c.response(c.send(H2Client.get("warm.bench.test"), true), 5), "warm-up");
            Http2FrameStream good1 = c.send(H2Client.get("good1.bench.test"), true, false);
            Map<String, Http2FrameStream> bad = new LinkedHashMap<>();
            bad.put("400 bad %-escape", c.send(H2Client.headers("GET", "/dns-query?dns=%%%"), true, false));
            bad.put("400 %-escape in path", c.send(H2Client.headers("GET", "/dns%zzquery?dns=AAAA"), true, false));
            bad.put("400 not base64url", c.send(H2Client.headers("GET", "/dns-query?dns=!!!!****"), true, false));
            bad.put("400 shorter than a header", c.send(H2Client.headers("GET", "/dns-query?dns=AAAA"), true, false));
            bad.put("400 no dns parameter", c.send(H2Client.headers("GET", "/dns-query?name=a.test"), true, false));
            bad.put("431 header list over 8 KiB", c.send(H2Client.get("huge.bench.test")
                    .set("x-padding", "a".repeat(9000)), true, false));
            bad.put("414 dns parameter over max_query_size", c.send(H2Client.headers("GET", "/dns-query?dns="
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[5000])), true, false));
            bad.put("400 upper-case header name", c.send(H2Client.get("upper.bench.test").set("X-Upper", "1"), true,
                    false));
            bad.put("400 connection-specific header", c.send(H2Client.get("conn.bench.test").set("connection", "close"),
                    true, false));
            bad.put("405 PUT", c.send(H2Client.headers("PUT", "/dns-query"), true, false));
            Http2FrameStream wrongType = c.send(H2Client.post(40).set("content-type", "text/plain"), false, false);
            bad.put("415 text/plain", wrongType);
            Http2FrameStream tooBig = c.send(H2Client.post(60_000), false, false);
            bad.put("413 Content-Length 60000", tooBig);
            Http2FrameStream tiny = c.send(H2Client.post(5), false, false);
            bad.put("400 POST body of 5 bytes", tiny);
            Http2FrameStream good2 = c.send(H2Client.get("good2.bench.test"), true, false);
            c.flush();
            c.data(wrongType, Unpooled.wrappedBuffer(new byte[40]), true);
            c.data(tooBig, Unpooled.wrappedBuffer(new byte[3000]), false);
            c.data(tiny, Unpooled.wrappedBuffer(new byte[5]), true);

            assertAnswer(c.response(good1, 5), "good1");
            for (Map.Entry<String, Http2FrameStream> e : bad.entrySet()) {
                H2Client.Response r = c.response(e.getValue(), 5);
                assertThat(r).as(e.getKey()).isNotNull();
                assertThat(r.status()).as(e.getKey()).isEqualTo(e.getKey().substring(0, 3));
                assertThat(r.contentType()).as(e.getKey()).startsWith("text/plain");
                assertThat(r.text()).as(e.getKey()).isNotBlank().doesNotContain("Exception").endsWith("\n");
            }
            assertAnswer(c.response(good2, 5), "good2");
            assertThat(c.channel.isActive()).as("the connection is still open").isTrue();
            assertAnswer(c.response(c.send(H2Client.get("after.bench.test"), true), 5), "a query after them all");
        }
        assertThat(badRequests(400) - before[0]).isEqualTo(8);
        assertThat(badRequests(405) - before[1]).isEqualTo(1);
        assertThat(badRequests(413) - before[2]).isEqualTo(1);
        assertThat(badRequests(414) - before[3]).isEqualTo(1);
        assertThat(badRequests(415) - before[4]).isEqualTo(1);
        assertThat(badRequests(431) - before[5]).isEqualTo(1);
        assertThat(malformedEvents() - eventsBefore).as("each reported as a dropped, malformed query")
                .isEqualTo(13);
    }

    /** curl with the gateway's CA; one line "status connects" per URL, all URLs on as few connections as it can. */
    private static List<String> curl(String version, String... urls) {
        String[] head = {"curl", "-sS", "--max-time", "10", version, "--cacert", gw.caFile().toString(),
                "--resolve", "dotgate.test:" + gw.dohPort() + ":127.0.0.1", "-w", "%{http_code} %{num_connects}\\n"};
        String[] all = new String[head.length + 3 * urls.length];
        System.arraycopy(head, 0, all, 0, head.length);
        for (int i = 0; i < urls.length; i++) {
            all[head.length + 3 * i] = "https://dotgate.test:" + gw.dohPort() + urls[i];
            all[head.length + 3 * i + 1] = "-o";
            all[head.length + 3 * i + 2] = "/dev/null";
        }
        Proc.Result r = Proc.run(30, all);
        return r.out().lines().filter(l -> l.matches("\\d{3} \\d+")).toList();
    }

    private static String good(String name) {
        return "/dns-query?dns=" + H2Client.dnsParam(name);
    }

    @Test
    void curlKeepsItsConnectionAfterABadRequestOverBothVersions() {
        for (String v : new String[] {"--http2", "--http1.1"}) {
            // One connection (num_connects 0 after the first): each bad request answered, the next one served.
            assertThat(curl(v, "/dns-query?dns=%%%", good("curl1" + v + ".bench.test"), "/dns-query?dns=!!!!",
                    good("curl2" + v + ".bench.test"), "/dns-query?dns=AAAA", "/dns-query",
                    "/dns-query?dns=" + "A".repeat(6000), good("curl3" + v + ".bench.test")))
                    .as(v).containsExactly("400 1", "200 0", "400 0", "200 0", "400 0", "400 0", "414 0", "200 0");
        }
    }

    @Test
    void h2loadMixingBadAndGoodRequestsOnFewConnectionsGetsEveryAnswer() throws Exception {
        // nghttp2's load generator: 2 connections, 20 streams at once each, cycling through 4 good and 4 bad URIs.
        String base = "https://127.0.0.1:" + gw.dohPort();
        Path uris = java.nio.file.Files.write(tmp.resolve("uris.txt"), List.of(
                base + good("h2load1.bench.test"), base + "/dns-query?dns=%%%",
                base + good("h2load2.bench.test"), base + "/dns-query?dns=!!!!",
                base + good("h2load3.bench.test"), base + "/dns-query?dns=AAAA",
                base + good("h2load4.bench.test"), base + "/dns-query?dns=" + "A".repeat(6000)));
        Proc.Result r = Proc.run(60, "h2load", "-n", "400", "-c", "2", "-m", "20", "-i", uris.toString());
        assertThat(r.out()).as(r.out()).contains("400 done").contains("0 errored").contains("0 timeout")
                .containsPattern("status codes: 200 2xx, 0 3xx, 200 4xx, 0 5xx");
    }

    @Test
    void http1RequestsNettyCannotReadWholeAreAnsweredThenTheConnectionCloses() {
        // A request line over the limit (here 8 KiB) and headers over 8 KiB lose the HTTP/1.1 framing: answered,
        // then closed; curl's next URL needs a new connection and is served.
        String longTarget = "/dns-query?dns=" + "A".repeat(9000);
        assertThat(curl("--http1.1", longTarget, good("line.bench.test"))).containsExactly("414 1", "200 1");
        Proc.Result r = Proc.run(30, "curl", "-sS", "--max-time", "10", "--http1.1", "--cacert",
                gw.caFile().toString(), "--resolve", "dotgate.test:" + gw.dohPort() + ":127.0.0.1", "-o", "/dev/null",
                "-w", "%{http_code}\\n", "-H", "X-Padding: " + "a".repeat(9000),
                "https://dotgate.test:" + gw.dohPort() + good("header.bench.test"));
        assertThat(r.out()).contains("431");
    }

    @Test
    void http1AnOversizedBodyIsAnswered413ThenReadToItsEndBeforeTheClose() throws Exception {
        try (javax.net.ssl.SSLSocket s = DnsClient.tls(gw.dohPort(), gw.caFile(), "http/1.1")) {
            s.setSoTimeout(5000);
            var out = s.getOutputStream();
            out.write(("POST /dns-query HTTP/1.1\r\nHost: dotgate.test\r\nContent-Type: application/dns-message\r\n"
                    + "Content-Length: 70000\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(new byte[10_000]);
            out.flush();
            // The answer comes before the body is complete...
            var in = new java.io.DataInputStream(s.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
            var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
            assertThat(length.find()).isTrue();
            byte[] text = new byte[Integer.parseInt(length.group(1))];
            in.readFully(text);
            assertThat(new String(text, java.nio.charset.StandardCharsets.UTF_8)).contains("4096");
            // ...and the rest of the body is still read (dropped): no reset under the client's writes.
            Pace pace = Pace.everyMillis(20); // the body in pieces, as a client would send it
            for (int i = 0; i < 6; i++) {
                out.write(new byte[10_000]);
                out.flush();
                pace.next();
            }
            long t0 = System.nanoTime();
            assertThat(in.read()).as("closed once the body is complete").isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("not left to the frame timeout")
                    .isLessThan(3000);
        }
    }

    /**
     * curl over HTTP/1.1 with Expect: 100-continue and a 10,000-byte body: the gateway's own 413 (counted, with
     * its text), not an uncounted body-less one written by Netty.
     */
    @Test
    void http1ExpectContinueWithAnOversizedBodyGetsTheCounted413() throws Exception {
        double before = badRequests(413);
        Path body = java.nio.file.Files.write(tmp.resolve("big.bin"), new byte[10_000]);
        Proc.Result r = Proc.run(30, "curl", "-sS", "--max-time", "10", "--http1.1", "--cacert",
                gw.caFile().toString(), "--resolve", "dotgate.test:" + gw.dohPort() + ":127.0.0.1",
                "-H", "Expect: 100-continue", "-H", "Content-Type: application/dns-message",
                "--data-binary", "@" + body, "-w", "\n%{http_code}\n", "https://dotgate.test:" + gw.dohPort()
                        + "/dns-query");
        assertThat(r.out()).as(r.out()).contains("4096").endsWith("413\n");
        assertThat(badRequests(413) - before).isEqualTo(1);
    }

    /**
     * Pipelined HTTP/1.1: a GET, then a POST with Expect: 100-continue (valid, then oversized). No 100 Continue
     * and no 413 overtakes the GET's answer: the answers come in the order of the requests.
     */
    @Test
    void http1ExpectContinueNeverOvertakesEarlierAnswers() throws Exception {
        byte[] query = DnsClient.query("expect.bench.test", org.xbill.DNS.Type.A, 0).toWire();
        String get = "GET " + good("pipelined.bench.test") + " HTTP/1.1\r\nHost: dotgate.test\r\n\r\n";
        String post = "POST /dns-query HTTP/1.1\r\nHost: dotgate.test\r\nContent-Type: application/dns-message\r\n"
                + "Expect: 100-continue\r\nContent-Length: ";
        try (javax.net.ssl.SSLSocket s = DnsClient.tls(gw.dohPort(), gw.caFile(), "http/1.1")) {
            s.setSoTimeout(5000);
            var out = s.getOutputStream();
            var all = new java.io.ByteArrayOutputStream();
            all.writeBytes(get.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            all.writeBytes((post + query.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            all.writeBytes(query);
            all.writeBytes(get.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            all.writeBytes((post + "10000\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(all.toByteArray());
            out.flush();
            var in = new java.io.DataInputStream(s.getInputStream());
            List<String> statuses = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                statuses.add(readResponseStatus(in));
            }
            assertThat(statuses).containsExactly("200", "200", "200", "413");
        }
    }

    /** Reads one HTTP/1.1 response (head and Content-Length body); returns its status code. */
    private static String readResponseStatus(java.io.DataInputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        if (length.find()) {
            in.readFully(new byte[Integer.parseInt(length.group(1))]);
        }
        return head.substring(9, 12);
    }
}
