package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.PolicyOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy.lists_start}: a list URL that cannot be fetched at the first start (no cached copy) no longer
 * stops the gateway unless asked to ({@code fail}); {@code fast} serves without it and tries again with backoff,
 * {@code wait} tries a few times before serving.
 */
class ListsStartTest {
    @TempDir
    Path dir;
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        System.clearProperty("dotgate.listsWaitMillis");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Serves {@code body} at /list.txt on {@code port} from now on. */
    private void serve(int port, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/list.txt", exchange -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    private PolicyOptions options(String start, String... lists) throws Exception {
        Path toml = Files.writeString(dir.resolve("dotgate.toml"), "[policy]\nlists_start = \"" + start + "\"\n"
                + "blocklists = [" + String.join(", ", List.of(lists).stream().map(l -> "\"" + l + "\"").toList())
                + "]\n");
        return ConfigLoader.load(toml, ConfigLoader.Overrides.none().set("data_dir", dir.resolve("data")))
                .policy();
    }

    @Test
    void fastServesWithoutTheUnreachableListAndTakesItUpWhenItAnswers() throws Exception {
        int port = freePort();
        Path local = Files.writeString(dir.resolve("local.txt"), "local.example\n");
        String url = "http://127.0.0.1:" + port + "/list.txt";
        PolicyOptions options = options("fast", local.toString(), url);
        assertThat(options.listsStart()).isEqualTo("fast");
        Policy policy = PolicyLoader.load(options, dir.resolve("data"));
        assertThat(policy.blocklists().blockedBy("local.example")).isEqualTo(local.toString());
        assertThat(policy.blocklists().missing()).containsExactly(url);

        BlockingQueue<Blocklists> loaded = new LinkedBlockingQueue<>();
        try (ListRefresher refresher = ListRefresher.start(List.of(ListSource.of(local.toString()),
                ListSource.of(url)), List.of(), dir.resolve("data").resolve("lists"), Duration.ofHours(24), null,
                policy.blocklists(), Duration.ofMillis(100), loaded::add)) {
            Blocklists again = loaded.poll(5, TimeUnit.SECONDS); // retried soon, not after 24 h
            assertThat(again).isNotNull();
            assertThat(again.missing()).hasSize(1);
            serve(port, "remote.example\n");
            Blocklists complete = loaded.poll(10, TimeUnit.SECONDS);
            while (complete != null && !complete.missing().isEmpty()) {
                complete = loaded.poll(10, TimeUnit.SECONDS);
            }
            assertThat(complete).as("the list is taken up once it answers").isNotNull();
            assertThat(complete.blockedBy("remote.example")).isNotNull();
            assertThat(complete.blockedBy("local.example")).isEqualTo(local.toString());
            assertThat(loaded.poll(500, TimeUnit.MILLISECONDS)).as("then only every period").isNull();
        }
    }

    @Test
    void failStopsTheStartAsBefore() throws Exception {
        String url = "http://127.0.0.1:" + freePort() + "/list.txt";
        PolicyOptions options = options("fail", url);
        assertThatThrownBy(() -> PolicyLoader.load(options, dir.resolve("data"))).isInstanceOf(IOException.class)
                .hasMessageContaining("and there is no cached copy");
    }

    @Test
    void waitTriesAgainBeforeServing() throws Exception {
        System.setProperty("dotgate.listsWaitMillis", "200");
        int port = freePort();
        PolicyOptions options = options("wait", "http://127.0.0.1:" + port + "/list.txt");
        // The list starts to answer 300 ms in: during the waits (200, 400, ... ms), not at the first try.
        java.util.concurrent.CompletableFuture<Void> later = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                serve(port, "remote.example\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, java.util.concurrent.CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        Policy policy = PolicyLoader.load(options, dir.resolve("data"));
        later.join();
        assertThat(policy.blocklists().missing()).isEmpty();
        assertThat(policy.blocklists().blockedBy("remote.example")).isNotNull();
    }

    @Test
    void waitGivesUpAfterItsTriesAndServesWithout() throws Exception {
        System.setProperty("dotgate.listsWaitMillis", "20");
        PolicyOptions options = options("wait", "http://127.0.0.1:" + freePort() + "/list.txt");
        long t0 = System.nanoTime();
        Policy policy = PolicyLoader.load(options, dir.resolve("data"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(policy.blocklists().missing()).hasSize(1);
        assertThat(ms).as("four waits of 20, 40, 80, 160 ms").isGreaterThanOrEqualTo(300);
    }

    @Test
    void anUnknownStartModeIsAConfigError() {
        assertThatThrownBy(() -> options("later", "http://127.0.0.1:1/list.txt"))
                .hasMessage("policy.lists_start: 'later' is not a start mode (use fast: start without the list and "
                        + "retry, wait: retry before serving, or fail: stop)");
    }
}
