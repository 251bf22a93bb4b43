package dev.dotgate.onboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.Eventually;
import dev.dotgate.net.SmallHttpRefusals;
import dev.dotgate.net.SmallHttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The profile server's limits that need no gateway: the write timeout, pipelining, the keep-alive idle close. */
@Timeout(60)
class ProfileServerTest {
    private final List<String> downloads = new CopyOnWriteArrayList<>();
    private ProfileServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ProfileServer start(byte[] body) throws Exception {
        server = ProfileServer.start(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), "p.bin", body,
                "application/octet-stream", downloads::add);
        return server;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(server.address(), 3000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Everything the server sends until it closes, or until {@code waitMillis} of silence. */
    private static String readUntilClose(Socket s, int waitMillis) throws IOException {
        s.setSoTimeout(waitMillis);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        InputStream in = s.getInputStream();
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException | SocketException e) {
            // silence or a reset: what came so far
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aClientThatDoesNotReadIsClosedAfterTheWriteTimeoutWhileOthersAreServed() throws Exception {
        byte[] body = new byte[16 << 20]; // far more than the loopback socket buffers hold
        start(body);
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(server.address(), 3000);
            send(stalled, "GET " + server.path() + " HTTP/1.1\r\nHost: x\r\n\r\n");
            long sent = System.nanoTime();
            // The response has started (and, 16 MiB against a 4 KiB window, is stuck).
            Eventually.until(() -> stalled.getInputStream().available() > 0, Duration.ofSeconds(3),
                    "the first bytes of the response");

            // Another client is served while that response is stuck.
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + server.path());
            HttpResponse<Void> head = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(body.length));

            long timeout = SmallHttpServer.WRITE_TIMEOUT.toMillis();
            var timeouts = server.refusals().counter(SmallHttpRefusals.Reason.WRITE_TIMEOUT);
            long deadline = sent + (timeout + 3_000) * 1_000_000L;
            Eventually.tryUntil(() -> timeouts.sum() > 0, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            long ms = (System.nanoTime() - sent) / 1_000_000L;
            assertThat(timeouts.sum()).as("write timeout counted").isEqualTo(1);
            assertThat(ms).isBetween(timeout - 500, timeout + 3_000);
            String got = readUntilClose(stalled, 5_000);
            assertThat(got.length()).as("the stalled client got only part of the body, then the close")
                    .isLessThan(body.length);
            assertThat(downloads).as("a cut-off download is not a download").isEmpty();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndTooManyBehindAStuckAnswerCloseTheConnection() throws Exception {
        byte[] body = new byte[16 << 20];
        start(body);
        int limit = SmallHttpServer.MAX_PIPELINED;
        try (Socket ok = connect()) {
            send(ok, ("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").repeat(limit + 10)
                    + "HEAD " + server.path() + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String got = readUntilClose(ok, 5_000);
            assertThat(count(got, "HTTP/1.1 404 Not Found")).isEqualTo(limit + 10);
            // the HEAD last, in order, then the close
            assertThat(got.substring(got.lastIndexOf("HTTP/1.1 "))).startsWith("HTTP/1.1 200 OK")
                    .containsIgnoringCase("content-length: " + body.length).endsWith("\r\n\r\n");
        }
        assertThat(server.refusals().total()).isZero();
        try (Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(server.address(), 3000);
            long sent = System.nanoTime();
            send(stuck, "GET " + server.path() + " HTTP/1.1\r\nHost: x\r\n\r\n"
                    + ("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").repeat(limit + 1));
            var pipelined = server.refusals().counter(SmallHttpRefusals.Reason.PIPELINED);
            Eventually.tryUntil(() -> pipelined.sum() > 0,
                    Duration.ofNanos(Math.max(0, sent + 3_000_000_000L - System.nanoTime())));
            assertThat(pipelined.sum()).as("closed for too many requests behind the stuck answer, at once").isEqualTo(1);
            assertThat(readUntilClose(stuck, 3_000).length()).isLessThan(body.length);
        }
        assertThat(downloads).isEmpty();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheHeadTimeoutAndThatIsNoRefusal() throws Exception {
        start("hello".getBytes(StandardCharsets.US_ASCII));
        try (Socket s = connect()) {
            send(s, "GET " + server.path() + " HTTP/1.1\r\nHost: x\r\n\r\n");
            s.setSoTimeout(3000);
            byte[] buf = new byte[4096];
            String first = "";
            while (!first.endsWith("\r\n\r\nhello")) { // the whole answer, however the reads split it
                int n = s.getInputStream().read(buf);
                assertThat(n).as("answer so far: " + first).isPositive();
                first += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            }
            assertThat(first).startsWith("HTTP/1.1 200 OK").doesNotContainIgnoringCase("connection: close");
            long answered = System.nanoTime();
            long timeout = SmallHttpServer.HEAD_TIMEOUT.toMillis();
            String rest = readUntilClose(s, (int) timeout + 3_000);
            long ms = (System.nanoTime() - answered) / 1_000_000L;
            assertThat(rest).isEmpty();
            assertThat(ms).as("closed after about the head timeout").isBetween(timeout - 500, timeout + 2_000);
        }
        assertThat(server.refusals().total()).isZero();
        // HTTP/1.0 with keep-alive is answered keep-alive; without it the connection closes after the answer.
        try (Socket s = connect()) {
            send(s, "HEAD " + server.path() + " HTTP/1.0\r\n\r\n");
            String got = readUntilClose(s, 3_000);
            assertThat(got).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-length: 5")
                    .endsWith("\r\n\r\n");
        }
    }
}
