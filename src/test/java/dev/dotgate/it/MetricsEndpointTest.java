package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** The Prometheus endpoint of a real gateway after real traffic: values checked, and promtool's lint passes. */
class MetricsEndpointTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)$");

    @TempDir
    Path tmp;

    @Test
    void metricsDescribeTheTrafficAndPassPromtool() throws Exception {
        Path block = Files.writeString(tmp.resolve("ads.txt"), "ads.test\n");
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"));
                GatewayFixture gw = GatewayFixture.fromToml(tmp.resolve("gw"), """
                        [policy]
                        blocklists = ["%s"]
                        [metrics]
                        listen = "127.0.0.1:0"
                        [listen]
                        doh = ["127.0.0.1:0"]
                        """.formatted(block), unbound.caFile(), "2s", c -> c, unbound.uri())) {
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
            Thread.sleep(300);
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

    /** The value of the one sample of {@code name} whose labels include {@code labels} (pairs). */
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
