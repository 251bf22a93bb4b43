package dev.dotgate.observe.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dotgate.config.HostPort;
import dev.dotgate.server.BindFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<String> scrape;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsServer(HttpServer server, ExecutorService executor, Supplier<String> scrape) {
        this.server = server;
        this.executor = executor;
        this.scrape = scrape;
    }

    /** Binds {@code address} (port 0 picks one) and starts serving {@code metrics}. */
    public static MetricsServer start(InetSocketAddress address, Metrics metrics) throws BindFailure {
        return start(address, metrics::scrape);
    }

    /** Binds {@code address} and serves what {@code scrape} returns at each request. */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> scrape) throws BindFailure {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new BindFailure(describe(e, address));
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dotgate-metrics");
            t.setDaemon(true);
            return t;
        });
        MetricsServer ms = new MetricsServer(server, executor, scrape);
        server.setExecutor(executor);
        server.createContext("/", ms::handle);
        server.start();
        return ms;
    }

    static String describe(IOException cause, InetSocketAddress address) {
        String where = "metrics listener " + (address.getAddress() == null
                ? address.getHostString() + ":" + address.getPort()
                : HostPort.format(address)) + ": ";
        String msg = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (msg.contains("in use")) {
            return where + "address already in use; stop the other process or pick another --metrics-listen";
        }
        if (msg.contains("permission") || msg.contains("denied") || msg.contains("not permitted")) {
            return where + "permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE, "
                    + "or pick a port above 1023 with --metrics-listen";
        }
        if (msg.contains("assign") || msg.contains("not available")) {
            return where + "that address is not on this machine; pick one of its own addresses with "
                    + "--metrics-listen";
        }
        return where + cause.getMessage();
    }

    /** The bound address, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening and serving; waits briefly for a scrape in progress. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (!"/metrics".equals(path)) {
                plain(exchange, 404, "not found; metrics are at /metrics\n");
                return;
            }
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                plain(exchange, 405, "method not allowed; use GET\n");
                return;
            }
            byte[] body;
            try {
                body = scrape.get().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                log.warn("metrics: scrape failed", e);
                plain(exchange, 500, "scrape failed: " + e + "\n");
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if (head) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void plain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
