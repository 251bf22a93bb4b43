package dev.dotgate.net;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.dotgate.config.HostPort;
import dev.dotgate.server.BindFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The JDK's HTTP server on one daemon thread, for the few requests of the metrics endpoint and the phone-profile
 * download: kept off the event loops and out of the query path.
 */
public final class SmallHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SmallHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code address} (port 0 picks one) and serves every path with {@code handler}. A bind failure says
     * "cannot serve {@code what} on http ADDRESS", why, and that {@code option} picks another address.
     */
    public static SmallHttpServer start(InetSocketAddress address, String threadName, HttpHandler handler,
            String what, String option) throws BindFailure {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new BindFailure(BindErrors.describe(e, "cannot serve " + what + " on http "
                    + (address.getAddress() == null ? address.getHostString() + ":" + address.getPort()
                            : HostPort.format(address)), option));
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", handler);
        server.start();
        return new SmallHttpServer(server, executor);
    }

    /** Whether the request is a GET or HEAD; otherwise answers 405 (with {@code Allow}) and returns false. */
    public static boolean getOrHead(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        plain(exchange, 405, "method not allowed; use GET\n");
        return false;
    }

    /** Answers {@code body} as {@code contentType} with {@code status}; only the headers for a HEAD request. */
    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Answers {@code status} with a short text. */
    public static void plain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, b.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(b);
        }
    }

    /** The bound address, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening; a request in progress gets a moment to finish. */
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
}
