package dev.dotgate.observe.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import dev.dotgate.cache.CacheCounters;
import dev.dotgate.it.Eventually;
import dev.dotgate.net.BindFailure;
import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class MetricsServerTest {
    private static final String UPSTREAM = "tls://127.0.0.1:853#dns.example";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Metrics metrics;
    private MetricsServer server;

    @BeforeEach
    void start() throws Exception {
        metrics = new Metrics();
        server = MetricsServer.start(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), metrics);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    private HttpResponse<String> request(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address().getPort() + path);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private void recordActivity(Stats stats) {
        stats.meters().forEach(metrics::bind);
        stats.queries.add(9);
        stats.completed.add(8);
        stats.retries.increment();
        stats.upstreamConnects.add(2);
        stats.udpDroppedMalformed.increment();

        for (int i = 0; i < 3; i++) {
            metrics.query(Transport.UDP, 0, Decision.FORWARDED, 300_000); // 0.3 ms
        }
        metrics.query(Transport.TCP, 3, Decision.CACHED, 40_000); // 40 µs
        metrics.query(Transport.UDP, -1, Decision.MALFORMED, 1_000);
        metrics.query(Transport.DOT, 23, Decision.FORWARDED, 2_000_000_000L); // BADCOOKIE: "other", 2 s
        metrics.query(Transport.DOT, 2, Decision.UPSTREAM_TIMEOUT, 7_000_000_000L); // beyond the last bucket

        CacheCounters cache = new CacheCounters();
        metrics.bind(new CacheMeters(cache));
        cache.hits.add(2);
        cache.misses.increment();
        cache.stale.increment();
        cache.prefetches.increment();
        metrics.gauge("dotgate.cache.entries", "Entries in the answer cache", () -> 42);
        metrics.gauge("dotgate.cache.bytes", "Approximate size of the answer cache in bytes", () -> 4096);

        UpstreamMeters u = metrics.upstream(UPSTREAM);
        assertThat(metrics.upstream(UPSTREAM)).isSameAs(u);
        u.query(1_500_000);
        u.query(20_000_000);
        u.counters().errors.increment();
        u.counters().timeouts.increment();
        u.counters().timeouts.increment();
        u.counters().connects.increment();
        u.counters().connectFailures.increment();
        u.openConnections(() -> 3);

        metrics.handshake(Transport.DOT);
        metrics.handshake(Transport.DOT);
        metrics.handshakeFailure(Transport.DOT, "alpn");
        metrics.handshakeFailure(Transport.DOT, "something unexpected");
        metrics.handshake(Transport.DOH);
        metrics.handshakeFailure(Transport.DOH, "timeout");
        metrics.dotConnectionsOpen(() -> 7);
        metrics.tcpConnectionsOpen(() -> 2);
        metrics.bind(new EventMeters(() -> 10L, () -> 1L));
    }

    @Test
    void servesTheScrapeAndPromtoolFindsNoProblems() throws Exception {
        Stats stats = new Stats();
        recordActivity(stats);
        // So that the GC meters (registered on the first collection) are in the scrape promtool sees.
        System.gc();
        Eventually.tryUntil(() -> metrics.registry().find("jvm.gc.pause").timer() != null, Duration.ofSeconds(5));

        HttpResponse<String> res = request("GET", "/metrics");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String body = res.body();
        PromText p = PromText.parse(body);

        // Every family has a TYPE and a non-empty HELP.
        assertThat(p.type).isNotEmpty();
        for (String family : p.type.keySet()) {
            assertThat(p.help.get(family)).as("HELP of " + family).isNotBlank();
        }

        assertThat(p.type.get("dotgate_queries_total")).isEqualTo("counter");
        assertThat(p.value("dotgate_queries_total", "transport", "udp", "rcode", "NOERROR", "decision",
                "forwarded")).hasValue(3.0);
        assertThat(p.value("dotgate_queries_total", "transport", "tcp", "rcode", "NXDOMAIN", "decision",
                "cached")).hasValue(1.0);
        assertThat(p.value("dotgate_queries_total", "transport", "udp", "rcode", "none", "decision",
                "malformed")).hasValue(1.0);
        assertThat(p.value("dotgate_queries_total", "transport", "dot", "rcode", "other", "decision",
                "forwarded")).hasValue(1.0);
        assertThat(p.value("dotgate_queries_total", "transport", "dot", "rcode", "SERVFAIL", "decision",
                "upstream_timeout")).hasValue(1.0);
        // Only combinations that occurred are exported.
        assertThat(p.samples("dotgate_queries_total")).hasSize(5);

        assertThat(p.type.get("dotgate_query_duration_seconds")).isEqualTo("histogram");
        String[] udpFwd = {"transport", "udp", "decision", "forwarded"};
        assertThat(bucket(p, "dotgate_query_duration_seconds", "0.00025", udpFwd)).isEqualTo(0.0);
        assertThat(bucket(p, "dotgate_query_duration_seconds", "0.0005", udpFwd)).isEqualTo(3.0);
        assertThat(bucket(p, "dotgate_query_duration_seconds", "+Inf", udpFwd)).isEqualTo(3.0);
        assertThat(p.value("dotgate_query_duration_seconds_count", udpFwd)).hasValue(3.0);
        assertThat(p.value("dotgate_query_duration_seconds_sum", udpFwd).orElseThrow()).isCloseTo(0.0009,
                within(1e-9));
        List<Double> bounds = new ArrayList<>();
        for (PromText.Sample s : p.samples("dotgate_query_duration_seconds_bucket")) {
            if (s.labels().get("transport").equals("udp") && s.labels().get("decision").equals("forwarded")) {
                String le = s.labels().get("le");
                bounds.add(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le));
            }
        }
        List<Double> expected = new ArrayList<>(Metrics.LATENCY_BUCKETS_SECONDS);
        expected.add(Double.POSITIVE_INFINITY);
        assertThat(bounds).containsExactlyElementsOf(expected);
        String[] tcpCached = {"transport", "tcp", "decision", "cached"};
        assertThat(bucket(p, "dotgate_query_duration_seconds", 0.00005, tcpCached)).isEqualTo(1.0);
        String[] dotTimeout = {"transport", "dot", "decision", "upstream_timeout"};
        assertThat(bucket(p, "dotgate_query_duration_seconds", 5.0, dotTimeout)).isEqualTo(0.0);
        assertThat(bucket(p, "dotgate_query_duration_seconds", "+Inf", dotTimeout)).isEqualTo(1.0);

        assertThat(p.value("dotgate_cache_lookups_total", "result", "hit")).hasValue(2.0);
        assertThat(p.value("dotgate_cache_lookups_total", "result", "miss")).hasValue(1.0);
        assertThat(p.value("dotgate_cache_lookups_total", "result", "stale")).hasValue(1.0);
        assertThat(p.value("dotgate_cache_prefetches_total")).hasValue(1.0);
        assertThat(p.value("dotgate_cache_entries")).hasValue(42.0);
        assertThat(p.value("dotgate_cache_bytes")).hasValue(4096.0);
        assertThat(p.help.get("dotgate_cache_entries")).isEqualTo("Entries in the answer cache");

        String[] up = {"upstream", UPSTREAM};
        assertThat(p.value("dotgate_upstream_answers_total", up)).hasValue(2.0);
        assertThat(p.value("dotgate_upstream_duration_seconds_count", up)).hasValue(2.0);
        assertThat(bucket(p, "dotgate_upstream_duration_seconds", "0.0025", up)).isEqualTo(1.0);
        assertThat(bucket(p, "dotgate_upstream_duration_seconds", "0.025", up)).isEqualTo(2.0);
        assertThat(p.value("dotgate_upstream_errors_total", up)).hasValue(1.0);
        assertThat(p.value("dotgate_upstream_timeouts_total", up)).hasValue(2.0);
        assertThat(p.value("dotgate_upstream_connects_total", up)).hasValue(1.0);
        assertThat(p.value("dotgate_upstream_connect_failures_total", up)).hasValue(1.0);
        assertThat(p.value("dotgate_upstream_connections", up)).hasValue(3.0);

        assertThat(p.value("dotgate_dot_handshakes_total")).hasValue(2.0);
        assertThat(p.value("dotgate_dot_handshake_failures_total", "cause", "alpn")).hasValue(1.0);
        assertThat(p.value("dotgate_dot_handshake_failures_total", "cause", "other")).hasValue(1.0);
        assertThat(p.value("dotgate_dot_handshake_failures_total", "cause", "timeout")).hasValue(0.0);
        assertThat(p.value("dotgate_dot_handshake_failures_total", "cause", "protocol")).hasValue(0.0);
        assertThat(p.value("dotgate_doh_handshakes_total")).hasValue(1.0);
        assertThat(p.value("dotgate_doh_handshake_failures_total", "cause", "timeout")).hasValue(1.0);
        assertThat(p.value("dotgate_doh_handshake_failures_total", "cause", "other")).hasValue(0.0);
        assertThat(p.value("dotgate_client_connections", "transport", "dot")).hasValue(7.0);
        assertThat(p.value("dotgate_client_connections", "transport", "tcp")).hasValue(2.0);

        assertThat(p.value("dotgate_events_written_total")).hasValue(10.0);
        assertThat(p.value("dotgate_events_dropped_total")).hasValue(1.0);

        // Every Stats counter is visible; the three whose plain name is a labelled metric get "stats_".
        assertThat(stats.counters()).hasSize(stats.snapshot().size()).hasSizeGreaterThan(30);
        for (NamedCounter c : stats.counters()) {
            String name = c.metric().replace('.', '_') + "_total";
            assertThat(p.type.get(name)).as(name).isEqualTo("counter");
            assertThat(p.value(name)).as(name).hasValue((double) c.adder().sum());
            assertThat(stats.snapshot().get(c.key())).as(c.key()).isEqualTo(c.adder().sum());
        }
        assertThat(p.value("dotgate_stats_queries_total")).hasValue(9.0);
        assertThat(p.value("dotgate_stats_upstream_connects_total")).hasValue(2.0);
        assertThat(p.value("dotgate_stats_upstream_connect_failures_total")).hasValue(0.0);
        assertThat(p.value("dotgate_retries_total")).hasValue(1.0);
        assertThat(p.value("dotgate_udp_dropped_malformed_total")).hasValue(1.0);
        assertThat(p.value("dotgate_upstream_truncated_retried_tcp_total")).hasValue(0.0);
        assertThat(p.value("dotgate_queries_inflight")).hasValue(1.0);

        // JVM basics.
        assertThat(p.type).containsKeys("jvm_memory_used_bytes", "process_uptime_seconds", "system_cpus",
                "process_cpu_seconds_total", "jvm_gc_pause_seconds");
        assertThat(p.type).doesNotContainKeys("process_cpu_time_ns_total", "system_cpu_count");

        Promtool.Result lint = Promtool.checkMetrics(body);
        assertThat(lint.output()).as("promtool check metrics output").isEmpty();
        assertThat(lint.exitCode()).as("promtool check metrics exit code").isZero();
    }

    private static double bucket(PromText p, String histogram, double le, String... labels) {
        return bucket(p, histogram, Double.toString(le), labels);
    }

    private static double bucket(PromText p, String histogram, String le, String... labels) {
        for (PromText.Sample s : p.samples(histogram + "_bucket")) {
            boolean match = s.labels().size() == labels.length / 2 + 1;
            for (int i = 0; i < labels.length && match; i += 2) {
                match = labels[i + 1].equals(s.labels().get(labels[i]));
            }
            String sle = s.labels().get("le");
            if (match && (sle.equals(le) || (!le.equals("+Inf") && !sle.equals("+Inf")
                    && Double.parseDouble(sle) == Double.parseDouble(le)))) {
                return s.value();
            }
        }
        throw new AssertionError("no bucket le=" + le + " of " + histogram + List.of(labels));
    }

    @Test
    void headIsServedOtherMethodsAre405AndOtherPaths404() throws Exception {
        HttpResponse<String> head = request("HEAD", "/metrics");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();

        HttpResponse<String> post = request("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");

        assertThat(request("DELETE", "/metrics").statusCode()).isEqualTo(405);
        assertThat(request("GET", "/").statusCode()).isEqualTo(404);
        assertThat(request("GET", "/metrics/extra").statusCode()).isEqualTo(404);
        assertThat(request("POST", "/other").statusCode()).isEqualTo(404);
        // A query string is fine.
        assertThat(request("GET", "/metrics?name[]=x").statusCode()).isEqualTo(200);
    }

    @Test
    void bindingAnAddressInUseIsABindFailureNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> MetricsServer.start(
                    new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), metrics))
                    .isInstanceOf(BindFailure.class)
                    .hasMessage("cannot serve metrics on http 127.0.0.1:" + port + ": the address is already in use; "
                            + "stop the other server on that port or choose another address with --metrics-listen "
                            + "(or metrics.listen in the config)");
        }
    }

    @Test
    void portZeroReportsTheBoundPort() {
        assertThat(server.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(server.address().getPort()).isPositive();
    }

    /** Runs {@code promtool check metrics}; fails, never skips, when promtool is missing. */
    static final class Promtool {
        record Result(int exitCode, String output) {
        }

        static Path find() {
            List<Path> candidates = new ArrayList<>();
            String path = System.getenv("PATH");
            if (path != null) {
                for (String dir : path.split(File.pathSeparator)) {
                    if (!dir.isEmpty()) {
                        candidates.add(Path.of(dir, "promtool"));
                    }
                }
            }
            candidates.add(Path.of("/usr/bin/promtool"));
            for (Path c : candidates) {
                if (Files.isExecutable(c)) {
                    return c;
                }
            }
            return fail("promtool not found on PATH or at /usr/bin/promtool. It checks that the scrape is valid "
                    + "and lint-free; install it (Debian/Ubuntu: apt-get install prometheus) and run again");
        }

        static Result checkMetrics(String scrape) throws IOException, InterruptedException {
            Process proc = new ProcessBuilder(find().toString(), "check", "metrics")
                    .redirectErrorStream(true)
                    .start();
            try (OutputStream in = proc.getOutputStream()) {
                in.write(scrape.getBytes(StandardCharsets.UTF_8));
            }
            String output;
            try (InputStream out = proc.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!proc.waitFor(60, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                fail("promtool check metrics did not finish within 60 s");
            }
            return new Result(proc.exitValue(), output.strip());
        }
    }
}
