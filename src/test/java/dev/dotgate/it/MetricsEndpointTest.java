package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.net.SmallHttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * The Prometheus endpoint of a real gateway after real traffic: values checked, and promtool's lint passes; and
 * the endpoint's limits: clients holding half-sent requests, too many connections, oversized requests.
 */
@Timeout(120)
class MetricsEndpointTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)$");

    @TempDir
    Path tmp;

    @Test
    void metricsDescribeTheTrafficAndPassPromtool() throws Exception {
        Path block = Files.writeString(tmp.resolve("ads.txt"), "ads.test\n");
        Unbound unbound = servers.unbound();
        try (GatewayFixture gw = servers.gateway(b -> b.toml("""
                        [policy]
                        blocklists = ["%s"]
                        [metrics]
                        listen = "127.0.0.1:0"
                        [listen]
                        doh = ["127.0.0.1:0"]
                        """.formatted(block)))) {
            for (int i = 0; i < 3; i++) {
                DnsClient.udp(gw.udp(), DnsClient.query("a.test", Type.A, i), 3000);
            }
            DnsClient.udp(gw.udp(), DnsClient.query("x.ads.test", Type.A, 9), 3000);
            assertThat(Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dotPort()), "+tls-ca="
                    + gw.caFile(), "+tls-hostname=dotgate.test", "bench.test").out()).contains("NOERROR");
            assertThat(Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dotPort()), "+tls-ca="
                    + gw.caFile(), "+tls-hostname=wrong.example", "bench.test").exit()).isNotZero();
            assertThat(Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dohPort()), "+https", "+tls-ca="
                    + gw.caFile(), "+tls-hostname=dotgate.test", "bench.test").out()).contains("NOERROR");
            assertThat(Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dohPort()), "+https", "+tls-ca="
                    + gw.caFile(), "+tls-hostname=wrong.example", "bench.test").exit()).isNotZero();
            assertThat(Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dohPort()), "+https", "+tls-ca="
                    + gw.caFile(), "+tls-hostname=wrong.example", "bench.test").exit()).isNotZero();
            // The handshake failures are counted when the gateway closes those connections, after kdig gave up.
            Eventually.until(() -> sampleOrZero(gw.gateway.metrics().scrape(), "dotgate_doh_handshake_failures_total",
                    "cause", "protocol") >= 2 && sampleOrZero(gw.gateway.metrics().scrape(),
                    "dotgate_dot_handshake_failures_total", "cause", "protocol") >= 1, java.time.Duration.ofSeconds(5),
                    "the three failed handshakes counted");
            String url = "http://127.0.0.1:" + gw.gateway.metricsAddress().getPort() + "/metrics";
            HttpResponse<String> res = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            String body = res.body();
            assertThat(value(body, "dotgate_queries_total", "transport", "udp", "rcode", "NOERROR", "decision",
                    "forwarded")).isEqualTo(1);
            assertThat(value(body, "dotgate_queries_total", "transport", "udp", "rcode", "NOERROR", "decision",
                    "cached")).isEqualTo(2);
            assertThat(value(body, "dotgate_queries_total", "transport", "udp", "rcode", "NXDOMAIN", "decision",
                    "blocked")).isEqualTo(1);
            assertThat(value(body, "dotgate_queries_total", "transport", "dot", "rcode", "NOERROR", "decision",
                    "forwarded")).isEqualTo(1);
            assertThat(value(body, "dotgate_query_duration_seconds_count", "transport", "udp", "decision",
                    "cached")).isEqualTo(2);
            assertThat(value(body, "dotgate_cache_lookups_total", "result", "hit")).isEqualTo(3);
            assertThat(value(body, "dotgate_cache_lookups_total", "result", "miss")).isEqualTo(2);
            assertThat(value(body, "dotgate_cache_entries")).isEqualTo(2);
            assertThat(value(body, "dotgate_cache_bytes")).isPositive();
            assertThat(value(body, "dotgate_upstream_answers_total", "upstream", unbound.uri())).isEqualTo(2);
            assertThat(value(body, "dotgate_upstream_duration_seconds_count", "upstream", unbound.uri())).isEqualTo(2);
            assertThat(value(body, "dotgate_upstream_connections", "upstream", unbound.uri())).isBetween(1.0, 2.0);
            assertThat(value(body, "dotgate_upstream_connects_total", "upstream", unbound.uri())).isBetween(1.0, 2.0);
            assertThat(value(body, "dotgate_dot_handshakes_total")).isEqualTo(1);
            assertThat(value(body, "dotgate_dot_handshake_failures_total", "cause", "protocol")).isEqualTo(1);
            assertThat(value(body, "dotgate_doh_handshakes_total")).isEqualTo(1);
            assertThat(value(body, "dotgate_doh_handshake_failures_total", "cause", "protocol")).isEqualTo(2);
            assertThat(value(body, "dotgate_queries_total", "transport", "doh", "rcode", "NOERROR", "decision",
                    "cached")).isEqualTo(1);
            assertThat(value(body, "dotgate_blocklist_names")).isEqualTo(1);

            Proc.Result lint = Proc.withInput(30, body, "promtool", "check", "metrics");
            assertThat(lint.out()).as("promtool check metrics").isEmpty();
            assertThat(lint.exit()).isZero();
        }
    }

    /** A gateway with only the metrics endpoint of interest (the upstream is never asked). */
    private GatewayFixture metricsGateway() throws Exception {
        return servers.gateway(b -> b.toml("""
                [metrics]
                listen = "127.0.0.1:0"
                """).upstreams(null, "udp://127.0.0.1:9"));
    }

    /** {@code curl -s -m 3} of {@code url}: "STATUS CONTENT_TYPE" then the body, from {@code source}. */
    private static Proc.Result curl(String source, String url, String... extra) {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-s", "-m", "3", "--interface", source, "-w",
                "\n%{http_code} %{content_type}"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        return Proc.run(15, cmd.toArray(String[]::new));
    }

    /** Asserts {@code r} is a 200 scrape in the Prometheus text format; returns the body. */
    private static String assertScrape(Proc.Result r) {
        assertThat(r.exit()).as("curl exit code (28 is a timeout): " + r.out()).isZero();
        int last = r.out().lastIndexOf('\n');
        assertThat(r.out().substring(last + 1)).isEqualTo("200 text/plain; version=0.0.4; charset=utf-8");
        String body = r.out().substring(0, last);
        assertThat(body).contains("# TYPE dotgate_queries_inflight gauge");
        return body;
    }

    private static String url(GatewayFixture gw, String path) {
        return "http://127.0.0.1:" + gw.gateway.metricsAddress().getPort() + path;
    }

    @Test
    void halfSentRequestsDoNotHoldTheEndpointAndAreClosedAfterTheHeadTimeout() throws Exception {
        try (GatewayFixture gw = metricsGateway(); RawHttpClients raw = new RawHttpClients()) {
            InetSocketAddress metrics = gw.gateway.metricsAddress();
            // 50 clients from 10 addresses (5 each: under the per-address cap), each half a request, then silence.
            List<RawHttpClients.Client> half = raw.openMany(50, "127.0.1.", 5, metrics,
                    "GET /metrics HTTP/1.1\r\nHost: x\r\n");
            String body = assertScrape(curl("127.0.0.1", url(gw, "/metrics")));
            RawHttpClients.assertOpen(half); // they were accepted and are held, not refused at accept
            Proc.Result lint = Proc.withInput(30, body + "\n", "promtool", "check", "metrics");
            assertThat(lint.out()).as("promtool check metrics").isEmpty();
            assertThat(lint.exit()).isZero();

            long timeout = SmallHttpServer.HEAD_TIMEOUT.toMillis();
            long deadline = half.get(0).openedNanos() + (timeout + 2_000) * 1_000_000L;
            for (RawHttpClients.Client c : half) {
                long ms = c.millisUntilClosed(deadline);
                assertThat(ms).as("closed by the server within the head timeout (+2 s slack)")
                        .isBetween(timeout - 500, timeout + 2_000);
            }
            String after = assertScrape(curl("127.0.0.1", url(gw, "/metrics")));
            assertThat(value(after, "dotgate_metrics_http_refused_total", "reason", "head_timeout")).isEqualTo(50);
        }
    }

    @Test
    void connectionsBeyondThePerAddressAndTotalCapsAreClosedAtAccept() throws Exception {
        try (GatewayFixture gw = metricsGateway(); RawHttpClients raw = new RawHttpClients()) {
            InetSocketAddress metrics = gw.gateway.metricsAddress();
            int perAddress = SmallHttpServer.MAX_CONNECTIONS_PER_ADDRESS;
            List<RawHttpClients.Client> held = raw.openMany(perAddress, "127.0.0.", perAddress, metrics, "");
            List<RawHttpClients.Client> extra = raw.openMany(4, "127.0.0.", 4, metrics, "");
            for (RawHttpClients.Client c : extra) {
                assertThat(c.closedByServer(1_000)).as("extra connection from 127.0.0.1 closed at once").isTrue();
            }
            RawHttpClients.assertOpen(held);
            assertScrape(curl("127.0.0.2", url(gw, "/metrics"))); // another address is still served

            // Fill the total: 64 connections in all from 8 more addresses; the next one from a new address is closed.
            raw.closeAllSeenByServer(3_000);
            List<RawHttpClients.Client> all = raw.openMany(SmallHttpServer.MAX_CONNECTIONS, "127.0.2.", perAddress,
                    metrics, "");
            RawHttpClients.Client over = raw.open("127.0.3.1", metrics, "");
            assertThat(over.closedByServer(1_000)).as("connection beyond the total cap closed at once").isTrue();
            RawHttpClients.assertOpen(all);
            // Once the head timeout has closed the silent ones, a scrape is served again.
            long deadline = System.nanoTime() + (SmallHttpServer.HEAD_TIMEOUT.toMillis() + 3_000) * 1_000_000L;
            for (RawHttpClients.Client c : all) {
                assertThat(c.millisUntilClosed(deadline)).isPositive();
            }
            String body = assertScrape(curl("127.0.0.2", url(gw, "/metrics")));
            assertThat(value(body, "dotgate_metrics_http_refused_total", "reason", "address_limit")).isEqualTo(4);
            assertThat(value(body, "dotgate_metrics_http_refused_total", "reason", "connection_limit")).isEqualTo(1);
        }
    }

    @Test
    void oversizedHeadersLongLinesAndBodiesAreRefusedWithTheirStatus() throws Exception {
        try (GatewayFixture gw = metricsGateway()) {
            String big = "X-Big: " + "a".repeat(SmallHttpServer.MAX_HEADER_SIZE + 100);
            Proc.Result r = curl("127.0.0.1", url(gw, "/metrics"), "-o", "/dev/null", "-H", big);
            assertThat(r.out().strip()).startsWith("431 ");
            r = curl("127.0.0.1", url(gw, "/metrics?" + "x".repeat(SmallHttpServer.MAX_INITIAL_LINE + 100)), "-o",
                    "/dev/null");
            assertThat(r.out().strip()).startsWith("414 ");
            r = curl("127.0.0.1", url(gw, "/metrics"), "-o", "/dev/null", "--data-binary", "x=1");
            assertThat(r.out().strip()).startsWith("413 ");
            // Under the limits all is well: a header of 7 KiB, and a POST without a body is still 405.
            r = curl("127.0.0.1", url(gw, "/metrics"), "-H", "X-Big: " + "a".repeat(7 * 1024));
            assertScrape(r);
            r = curl("127.0.0.1", url(gw, "/metrics"), "-o", "/dev/null", "-X", "POST");
            assertThat(r.out().strip()).startsWith("405 ");

            String body = assertScrape(curl("127.0.0.1", url(gw, "/metrics")));
            assertThat(value(body, "dotgate_metrics_http_refused_total", "reason", "headers_too_large")).isEqualTo(1);
            assertThat(value(body, "dotgate_metrics_http_refused_total", "reason", "line_too_long")).isEqualTo(1);
            assertThat(value(body, "dotgate_metrics_http_refused_total", "reason", "body")).isEqualTo(1);
        }
    }

    /** The value of the one sample of {@code name} whose labels include {@code labels} (pairs). */
    /** {@link #value}, or 0 while there is no such sample yet. */
    static double sampleOrZero(String body, String name, String... labels) {
        try {
            return value(body, name, labels);
        } catch (AssertionError none) {
            return 0;
        }
    }

    static double value(String body, String name, String... labels) {
        Double found = null;
        for (String line : body.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> have = new java.util.HashMap<>();
            if (m.group(3) != null) {
                Matcher l = Pattern.compile("([a-zA-Z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(3));
                while (l.find()) {
                    have.put(l.group(1), l.group(2));
                }
            }
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(have.get(labels[i]));
            }
            if (match) {
                assertThat(found).as("one sample of " + name + " with " + String.join(",", labels)).isNull();
                found = Double.parseDouble(m.group(4));
            }
        }
        assertThat(found).as(name + " " + String.join(",", labels) + " in\n" + body).isNotNull();
        return found;
    }
}
