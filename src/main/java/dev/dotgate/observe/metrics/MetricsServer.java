package dev.dotgate.observe.metrics;

import com.sun.net.httpserver.HttpExchange;
import dev.dotgate.net.SmallHttpServer;
import dev.dotgate.server.BindFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (and HEAD) in the Prometheus text format, 404 for other paths and 405 for other
 * methods. Uses the JDK's HTTP server with one handler thread: scrapes are rare and not on the query path.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

    private SmallHttpServer http;
    private final Supplier<String> scrape;

    private MetricsServer(Supplier<String> scrape) {
        this.scrape = scrape;
    }

    /** Binds {@code address} (port 0 picks one) and starts serving {@code metrics}. */
    public static MetricsServer start(InetSocketAddress address, Metrics metrics) throws BindFailure {
        return start(address, metrics::scrape);
    }

    /** Binds {@code address} and serves what {@code scrape} returns at each request. */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> scrape) throws BindFailure {
        MetricsServer ms = new MetricsServer(scrape);
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

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"/metrics".equals(exchange.getRequestURI().getPath())) {
                SmallHttpServer.plain(exchange, 404, "not found; metrics are at /metrics\n");
                return;
            }
            if (!SmallHttpServer.getOrHead(exchange)) {
                return;
            }
            byte[] body;
            try {
                body = scrape.get().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                log.warn("metrics: scrape failed", e);
                SmallHttpServer.plain(exchange, 500, "scrape failed: " + e + "\n");
                return;
            }
            SmallHttpServer.send(exchange, 200, CONTENT_TYPE, body);
        }
    }
}
