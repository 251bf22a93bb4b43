package dev.dotgate.observe.metrics;

import dev.dotgate.net.BindFailure;
import dev.dotgate.net.SmallHttpRefusals;
import dev.dotgate.net.SmallHttpRequest;
import dev.dotgate.net.SmallHttpResponse;
import dev.dotgate.net.SmallHttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (and HEAD) in the Prometheus text format, {@code /health} (200 while the process
 * serves HTTP at all) and {@code /ready} (200 when the gateway is ready to serve, else 503 saying why), 404 for
 * other paths and 405 for other methods. Runs on a {@link SmallHttpServer} (one thread of its own, with its connection, time and size limits):
 * scrapes are rare and not on the query path. What that server refuses is exported as
 * {@code dotgate_metrics_http_refused_total{reason}}.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Connections closed and requests refused by the metrics server's limits, by reason. */
    public static final String REFUSED = "dotgate.metrics.http.refused";
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    private SmallHttpServer http;
    private final Supplier<String> scrape;
    private final Supplier<String> notReady;

    private MetricsServer(Supplier<String> scrape, Supplier<String> notReady) {
        this.scrape = scrape;
        this.notReady = notReady;
    }

    /**
     * Binds {@code address} (port 0 picks one) and starts serving {@code metrics}, registering in it the counters of
     * what the server refuses.
     */
    public static MetricsServer start(InetSocketAddress address, Metrics metrics) throws BindFailure {
        return start(address, metrics, () -> null);
    }

    /**
     * {@link #start(InetSocketAddress, Metrics)} with {@code notReady} for {@code /ready}: null when ready, else
     * why not.
     */
    public static MetricsServer start(InetSocketAddress address, Metrics metrics, Supplier<String> notReady)
            throws BindFailure {
        MetricsServer ms = start(address, metrics::scrape, notReady);
        SmallHttpRefusals refusals = ms.http.refusals();
        for (SmallHttpRefusals.Reason r : SmallHttpRefusals.Reason.values()) {
            FunctionCounter.builder(REFUSED, refusals.counter(r), java.util.concurrent.atomic.LongAdder::sum)
                    .description("Connections closed or requests refused by the metrics endpoint's limits, by reason")
                    .tag("reason", r.label())
                    .register(metrics.registry());
        }
        return ms;
    }

    /** Binds {@code address} and serves what {@code scrape} returns at each request. */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> scrape) throws BindFailure {
        return start(address, scrape, () -> null);
    }

    private static MetricsServer start(InetSocketAddress address, Supplier<String> scrape, Supplier<String> notReady)
            throws BindFailure {
        MetricsServer ms = new MetricsServer(scrape, notReady);
        ms.http = SmallHttpServer.start(address, "dotgate-metrics", ms::handle, "metrics",
                "--metrics-listen (or metrics.listen in the config)");
        return ms;
    }

    /** The bound address, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return http.address();
    }

    /** Stops listening and serving; waits briefly for a scrape in progress. */
    @Override
    public void close() {
        http.close();
    }

    private SmallHttpResponse handle(SmallHttpRequest request) {
        String path = request.path();
        if (!"/metrics".equals(path) && !"/health".equals(path) && !"/ready".equals(path)) {
            return SmallHttpResponse.plain(404, "not found; metrics are at /metrics, health at /health and "
                    + "/ready\n");
        }
        if (!request.getOrHead()) {
            return SmallHttpResponse.methodNotAllowed();
        }
        if ("/health".equals(path)) {
            return SmallHttpResponse.plain(200, "ok\n");
        }
        if ("/ready".equals(path)) {
            String why = notReady.get();
            return why == null ? SmallHttpResponse.plain(200, "ready\n")
                    : SmallHttpResponse.plain(503, "not ready: " + why + "\n");
        }
        byte[] body;
        try {
            body = scrape.get().getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            log.warn("metrics: scrape failed", e);
            return SmallHttpResponse.plain(500, "scrape failed: " + e + "\n");
        }
        return SmallHttpResponse.of(200, CONTENT_TYPE, body);
    }
}
