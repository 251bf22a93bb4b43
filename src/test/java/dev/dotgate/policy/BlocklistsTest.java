package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Loading real list files and URLs: formats at 100,000 names, exceptions, downloads and the cached copy. */
class BlocklistsTest {
    private static final int NAMES = 100_000;

    @TempDir
    Path dir;

    private HttpServer server;
    private ExecutorService serverThreads;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopServer() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
        if (serverThreads != null) {
            serverThreads.shutdownNow();
        }
    }

    private static String blockedByWire(Blocklists lists, String name) throws Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(Queries.query(name));
        try {
            return lists.blockedBy(buf, buf.readerIndex() + 12);
        } finally {
            buf.release();
        }
    }

    private Path write(String file, String text) throws IOException {
        return Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(ListFormat.class)
    void loadsAHundredThousandNames(ListFormat format) throws Exception {
        GeneratedList g = GeneratedList.write(dir.resolve(format + ".txt"), format, NAMES);
        ListSource source = new ListSource(format.name().toLowerCase(Locale.ROOT), g.file.toString());
        Blocklists lists = Blocklists.load(List.of(source), List.of(), dir.resolve("cache"));

        assertThat(lists.size()).isEqualTo(NAMES);
        Blocklists.ListReport report = lists.reports().get(0);
        assertThat(report.names()).isEqualTo(NAMES);
        assertThat(report.badLines()).isEqualTo(g.badLines).isEqualTo(10);
        assertThat(report.unsupportedLines()).isEqualTo(g.unsupportedLines);
        assertThat(report.firstBad().get(0)).isEqualTo(new ListParser.BadLine(g.firstBadLine, g.firstBadText));
        assertThat(report.stale()).isFalse();
        assertThat(report.summary()).matches("blocklist " + source.name() + ": 100000 names, 10 bad lines \\(first: "
                + "line " + g.firstBadLine + " '" + g.firstBadText.replace("^", "\\^").replace("|", "\\|")
                + "'\\)(, 5 unsupported rules skipped)?, \\d+ ms");

        for (int i = 0; i < NAMES; i++) {
            String name = GeneratedList.name(i);
            assertThat(lists.blockedBy(name)).as(name).isEqualTo(source.name());
        }
        for (int i = 0; i < NAMES; i += 97) {
            assertThat(lists.blockedBy("www." + GeneratedList.name(i))).isEqualTo(source.name());
            assertThat(lists.blockedBy(GeneratedList.name(i).toUpperCase(Locale.ROOT))).isEqualTo(source.name());
            assertThat(lists.blockedBy(GeneratedList.unlisted(i))).isNull();
            assertThat(lists.blockedBy(GeneratedList.parent(i))).isNull();
            assertThat(lists.blockedBy("x" + GeneratedList.name(i))).isNull();
        }
        for (int i = 0; i < NAMES; i += 997) {
            assertThat(blockedByWire(lists, "a.b." + GeneratedList.name(i))).isEqualTo(source.name());
            assertThat(blockedByWire(lists, GeneratedList.unlisted(i))).isNull();
        }
        assertThat(lists.blockedBy(GeneratedList.name(NAMES))).isNull();
        assertThat(lists.memoryBytes()).isPositive();
    }

    @Test
    void mostSpecificListWinsAndTheFirstListKeepsADuplicate() throws Exception {
        Path first = write("first.txt", "example.com\nshared.example\n");
        Path second = write("second.txt", "0.0.0.0 ads.example.com shared.example\n");
        Blocklists lists = Blocklists.load(List.of(new ListSource("first", first.toString()),
                new ListSource("second", second.toString())), List.of(), null);
        assertThat(lists.size()).isEqualTo(3);
        assertThat(lists.listNames()).containsExactly("first", "second");
        assertThat(lists.blockedBy("www.example.com")).isEqualTo("first");
        assertThat(lists.blockedBy("ads.example.com")).isEqualTo("second");
        assertThat(blockedByWire(lists, "x.ADS.example.com")).isEqualTo("second");
        assertThat(lists.blockedBy("shared.example")).isEqualTo("first");
        assertThat(lists.reports()).extracting(Blocklists.ListReport::names).containsExactly(2, 2);
    }

    @Test
    void exceptionsWinOverBlocks() throws Exception {
        Path block = write("block.txt", """
                ||ads.example^
                ||tracker.example^
                @@||ok.tracker.example^
                0.0.0.0 deep.cdn.ads.example
                """);
        Path allow = write("exceptions.txt", """
                # exceptions in any format
                cdn.ads.example
                0.0.0.0 other.example
                """);
        Blocklists lists = Blocklists.load(List.of(new ListSource("ads", block.toString())),
                List.of(new ListSource("mine", allow.toString())), null);
        assertThat(lists.size()).isEqualTo(3);
        assertThat(lists.exceptionSize()).isEqualTo(3);
        assertThat(lists.blockedBy("ads.example")).isEqualTo("ads");
        assertThat(lists.blockedBy("x.ads.example")).isEqualTo("ads");
        assertThat(lists.blockedBy("cdn.ads.example")).isNull();
        assertThat(blockedByWire(lists, "a.CDN.ads.example")).isNull();
        assertThat(lists.blockedBy("deep.cdn.ads.example")).isNull(); // a more specific block loses too
        assertThat(lists.blockedBy("tracker.example")).isEqualTo("ads");
        assertThat(lists.blockedBy("ok.tracker.example")).isNull();
        assertThat(blockedByWire(lists, "x.ok.tracker.example")).isNull();
        assertThat(lists.blockedBy("other.example")).isNull();
        assertThat(lists.reports()).hasSize(2);
        assertThat(lists.reports().get(0).exceptions()).isEqualTo(1);
        assertThat(lists.reports().get(1).summary()).startsWith("exception list mine: 2 names, 0 bad lines, ");
    }

    @Test
    void emptyBlocksNothing() {
        assertThat(Blocklists.empty().blockedBy("example.com")).isNull();
        assertThat(Blocklists.empty().size()).isZero();
    }

    @Test
    void missingFileAndBadLocationsAreOneLineErrors() {
        Path missing = dir.resolve("nope.txt");
        assertThatThrownBy(() -> Blocklists.load(List.of(new ListSource("local", missing.toString())), List.of(),
                null)).isInstanceOf(ListException.class)
                .hasMessage("list local: no such file " + missing.toAbsolutePath());
        assertThatThrownBy(() -> ListSource.of("ftp://example.com/list").fetch(dir))
                .isInstanceOf(ListException.class).hasMessageContaining("unsupported URL scheme");
        assertThatThrownBy(() -> ListSource.of("http:///list").fetch(dir))
                .isInstanceOf(ListException.class).hasMessageContaining("no host in URL");
    }

    private String serve(String path, byte[] body, AtomicInteger hits) throws IOException {
        if (server == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            serverThreads = Executors.newCachedThreadPool();
            server.setExecutor(serverThreads);
            server.start();
        }
        server.createContext(path, exchange -> {
            hits.incrementAndGet();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void downloadsAndFallsBackToTheCachedCopy() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        String url = serve("/ads.txt", "||ads.example^\n0.0.0.0 tracker.example\nbad..line\n"
                .getBytes(StandardCharsets.UTF_8), hits);
        ListSource source = new ListSource("remote", url);
        Path cache = dir.resolve("cache");

        Blocklists first = Blocklists.load(List.of(source), List.of(), cache);
        assertThat(hits).hasValue(1);
        assertThat(first.blockedBy("x.ads.example")).isEqualTo("remote");
        assertThat(first.blockedBy("tracker.example")).isEqualTo("remote");
        assertThat(first.reports().get(0).stale()).isFalse();
        assertThat(first.reports().get(0).badLines()).isEqualTo(1);
        assertThat(source.cacheFile(cache)).exists();
        try (var files = Files.list(cache)) {
            assertThat(files).hasSize(1); // no partial download left behind
        }

        server.stop(0);
        server = null;
        Blocklists second = Blocklists.load(List.of(source), List.of(), cache);
        assertThat(second.reports().get(0).stale()).isTrue();
        assertThat(second.reports().get(0).summary()).endsWith("(cached copy: download failed)");
        assertThat(second.blockedBy("x.ads.example")).isEqualTo("remote");
        assertThat(second.size()).isEqualTo(2);

        ListSource never = new ListSource("never", url.replace("ads.txt", "other.txt"));
        assertThatThrownBy(() -> Blocklists.load(List.of(never), List.of(), cache))
                .isInstanceOf(ListException.class)
                .hasMessageStartingWith("list never: download of " + never.location() + " failed: ")
                .hasMessageEndingWith(", and there is no cached copy");
    }

    @Test
    void httpErrorsKeepThePreviousCopy() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/list", exchange -> {
            byte[] body = "flaky.example\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        ListSource source = new ListSource("flaky", "http://127.0.0.1:" + server.getAddress().getPort() + "/list");
        status.set(404);
        assertThatThrownBy(() -> source.fetch(dir))
                .hasMessage("list flaky: download of " + source.location()
                        + " failed: HTTP 404, and there is no cached copy");
        status.set(200);
        assertThat(source.fetch(dir).stale()).isFalse();
        status.set(500);
        ListSource.Fetched fetched = source.fetch(dir);
        assertThat(fetched.stale()).isTrue();
        assertThat(Files.readString(fetched.file())).isEqualTo("flaky.example\n");
    }

    @Test
    void downloadsAreCapped() throws Exception {
        byte[] big = "x.example\n".repeat(500).getBytes(StandardCharsets.UTF_8);
        String declared = serve("/declared", big, new AtomicInteger());
        server.createContext("/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked: no length known up front
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 10; i++) {
                    out.write(big);
                    out.flush();
                }
            } catch (IOException e) {
                // the client gave up, as it should
            }
        });
        String chunked = declared.replace("/declared", "/chunked");
        ListSource.FetchOptions small = new ListSource.FetchOptions(Duration.ofSeconds(5), 4096);
        for (String url : List.of(declared, chunked)) {
            ListSource source = new ListSource("big", url);
            assertThatThrownBy(() -> source.fetch(dir, small)).isInstanceOf(ListException.class)
                    .hasMessage("list big: download of " + url + " failed: larger than 4096 bytes, and there is "
                            + "no cached copy");
            assertThat(source.cacheFile(dir)).doesNotExist();
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
        ListSource.FetchOptions enough = new ListSource.FetchOptions(Duration.ofSeconds(5), 1 << 20);
        assertThat(Files.size(new ListSource("big", chunked).fetch(dir, enough).file())).isEqualTo(50_000);
    }

    @Test
    void aStalledDownloadTimesOut() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/slow", exchange -> {
            exchange.sendResponseHeaders(200, 1000);
            OutputStream out = exchange.getResponseBody();
            out.write("slow.example\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                release.await(10, TimeUnit.SECONDS); // headers and a little body, then nothing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        ListSource source = new ListSource("slow", "http://127.0.0.1:" + server.getAddress().getPort() + "/slow");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> source.fetch(dir, new ListSource.FetchOptions(Duration.ofMillis(500), 1 << 20)))
                .isInstanceOf(ListException.class)
                .hasMessage("list slow: download of " + source.location() + " failed: timed out after 500 ms, and "
                        + "there is no cached copy");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
}
