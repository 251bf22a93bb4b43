package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.dotgate.it.Ports;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A list downloaded before is asked for conditionally, and a 304 keeps the cached copy. */
class ListSourceConditionalTest {
    @TempDir
    Path dir;

    @Test
    void etagMakesTheNextDownloadConditional() throws Exception {
        AtomicReference<String> version = new AtomicReference<>("v1");
        List<String> asked = new CopyOnWriteArrayList<>(); // If-None-Match of each request, "-" without
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/list", exchange -> {
            String tag = "\"" + version.get() + "\"";
            String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
            asked.add(ifNoneMatch == null ? "-" : ifNoneMatch);
            exchange.getResponseHeaders().add("ETag", tag);
            if (tag.equals(ifNoneMatch)) {
                exchange.sendResponseHeaders(304, -1);
                exchange.close();
                return;
            }
            byte[] body = (version.get() + ".example\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            ListSource source = new ListSource("tagged", "http://127.0.0.1:" + server.getAddress().getPort() + "/list");
            ListSource.Fetched first = source.fetch(dir);
            assertThat(Files.readString(first.file())).isEqualTo("v1.example\n");
            Files.setLastModifiedTime(first.file(), FileTime.from(Instant.now().minusSeconds(7200)));

            ListSource.Fetched second = source.fetch(dir);
            assertThat(second.stale()).as("a 304 is a good answer, not a failure").isFalse();
            assertThat(Files.readString(second.file())).isEqualTo("v1.example\n");
            assertThat(Files.getLastModifiedTime(second.file()).toInstant())
                    .as("the copy counts as fresh again").isAfter(Instant.now().minusSeconds(60));

            version.set("v2");
            ListSource.Fetched third = source.fetch(dir);
            assertThat(Files.readString(third.file())).isEqualTo("v2.example\n");
            source.fetch(dir);
            assertThat(asked).containsExactly("-", "\"v1\"", "\"v1\"", "\"v2\"");
            try (var files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString()))
                        .as("the list and its validators, nothing partial").hasSize(2)
                        .anyMatch(n -> n.endsWith(".validators"));
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void a304FromWhereARedirectNowLeadsDoesNotKeepTheOldCopy() throws Exception {
        AtomicReference<String> mode = new AtomicReference<>("direct");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // Both places send the same ETag, and /moved answers a matching If-None-Match with 304.
        server.createContext("/list", exchange -> {
            if (mode.get().equals("moved")) {
                exchange.getResponseHeaders().add("Location", "/moved");
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
                return;
            }
            send(exchange, "old.example\n");
        });
        server.createContext("/moved", exchange -> {
            if ("\"same\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.getResponseHeaders().add("ETag", "\"same\"");
                exchange.sendResponseHeaders(304, -1);
                exchange.close();
                return;
            }
            send(exchange, "moved.example\n");
        });
        server.start();
        try {
            ListSource source = new ListSource("moving", "http://127.0.0.1:" + server.getAddress().getPort() + "/list");
            assertThat(Files.readString(source.fetch(dir).file())).isEqualTo("old.example\n");
            mode.set("moved");
            assertThat(Files.readString(source.fetch(dir).file())).isEqualTo("moved.example\n");
            assertThat(source.fetch(dir).stale()).as("now a 304 from where the copy came from").isFalse();
            assertThat(Files.readString(source.cacheFile(dir))).isEqualTo("moved.example\n");
        } finally {
            server.stop(0);
        }
    }

    private static void send(com.sun.net.httpserver.HttpExchange exchange, String text) throws java.io.IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("ETag", "\"same\"");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Test
    void lastModifiedFromPythonsHttpServerGivesA304() throws Exception {
        assumeTrue(new ProcessBuilder("python3", "--version").start().waitFor() == 0, "python3 is not installed");
        Path www = Files.createDirectories(dir.resolve("www"));
        Path list = Files.writeString(www.resolve("ads.txt"), "one.example\n");
        Files.setLastModifiedTime(list, FileTime.from(Instant.now().minusSeconds(3600)));
        int port = Ports.free();
        Path log = dir.resolve("http.log");
        ProcessBuilder pb = new ProcessBuilder("python3", "-m", "http.server", "--bind", "127.0.0.1",
                "--directory", www.toString(), String.valueOf(port)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("PYTHONUNBUFFERED", "1"); // its request log reaches the file at once
        Process python = pb.start();
        try {
            Ports.awaitListening(port, 10_000);
            ListSource source = new ListSource("py", "http://127.0.0.1:" + port + "/ads.txt");
            Path cache = dir.resolve("cache");
            assertThat(Files.readString(source.fetch(cache).file())).isEqualTo("one.example\n");
            ListSource.Fetched again = source.fetch(cache);
            assertThat(again.stale()).isFalse();
            assertThat(Files.readString(again.file())).isEqualTo("one.example\n");

            Files.writeString(list, "two.example\n");
            Files.setLastModifiedTime(list, FileTime.from(Instant.now()));
            assertThat(Files.readString(source.fetch(cache).file())).isEqualTo("two.example\n");

            // Python logs each request with its status: a full download, a 304, then the changed file.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            List<String> statuses = List.of();
            while (System.nanoTime() < deadline) {
                statuses = Files.readAllLines(log).stream().filter(l -> l.contains("\"GET /ads.txt"))
                        .map(l -> l.replaceAll(".*\" (\\d{3}) .*", "$1")).toList();
                if (statuses.size() == 3) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(statuses).containsExactly("200", "304", "200");
        } finally {
            python.destroy();
            python.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
