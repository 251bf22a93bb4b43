package dev.dotgate.observe.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dotgate.it.Eventually;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JsonLinesSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter RFC3339_MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    static InetSocketAddress client(String ip, int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    static QueryEvent event(int i) throws IOException {
        return new QueryEvent(QueryEvent.nowMicros(), client("127.0.0.1", 40000 + i % 1000), Transport.UDP,
                "n" + i + ".example.", 1, 0, Decision.FORWARDED, null, "tls://127.0.0.1:853", 100 + i);
    }

    static List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void writesCloudEventsWithDataFieldsAndOmitsNulls() throws Exception {
        Path file = dir.resolve("events.jsonl");
        long t1 = 1_795_000_000_123_456L; // 2026-11-18T...
        EventSink sink = EventSinks.open(file.toString(), 1024);
        sink.emit(new QueryEvent(t1, client("127.0.0.1", 5353), Transport.DOT, "example.com.", 28, 3,
                Decision.FORWARDED, null, "tls://127.0.0.1:853#q", 812));
        sink.emit(new QueryEvent(t1 + 1, client("::1", 40001), Transport.TCP, "ads.example.", 65280, 5,
                Decision.BLOCKED, "ads-list", null, 17));
        sink.emit(new QueryEvent(t1 + 2, client("127.0.0.1", 1), Transport.UDP, null, -1, QueryEvent.NO_RCODE,
                Decision.MALFORMED, null, null, 3));
        sink.close();

        List<JsonNode> events = readLines(file);
        assertThat(events).hasSize(3);
        Set<String> ids = new HashSet<>();
        for (JsonNode e : events) {
            assertThat(e.path("specversion").asText()).isEqualTo("1.0");
            assertThat(e.path("id").asText()).isNotBlank();
            ids.add(e.path("id").asText());
            assertThat(e.path("source").asText()).startsWith("dotgate://").hasSizeGreaterThan("dotgate://".length());
            assertThat(e.path("type").asText()).isEqualTo("dev.dotgate.query");
            assertThat(e.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
            assertThat(e.path("datacontenttype").asText()).isEqualTo("application/json");
            assertThat(e.path("data").isObject()).isTrue();
        }
        assertThat(ids).hasSize(3);

        JsonNode first = events.get(0);
        assertThat(first.path("time").asText()).isEqualTo(RFC3339_MICROS.format(Instant.ofEpochSecond(
                t1 / 1_000_000, (t1 % 1_000_000) * 1000)));
        assertThat(first.path("time").asText()).endsWith(".123456Z");
        JsonNode d = first.path("data");
        assertThat(d.path("client").asText()).isEqualTo("127.0.0.1");
        assertThat(d.path("client_port").asInt()).isEqualTo(5353);
        assertThat(d.path("transport").asText()).isEqualTo("dot");
        assertThat(d.path("name").asText()).isEqualTo("example.com.");
        assertThat(d.path("type").asText()).isEqualTo("AAAA");
        assertThat(d.path("rcode").asText()).isEqualTo("NXDOMAIN");
        assertThat(d.path("decision").asText()).isEqualTo("forwarded");
        assertThat(d.path("upstream").asText()).isEqualTo("tls://127.0.0.1:853#q");
        assertThat(d.path("latency_us").isIntegralNumber()).isTrue();
        assertThat(d.path("latency_us").asLong()).isEqualTo(812);
        assertThat(d.has("reason")).isFalse();

        JsonNode second = events.get(1).path("data");
        assertThat(second.path("client").asText()).isEqualTo("::1");
        assertThat(second.path("transport").asText()).isEqualTo("tcp");
        assertThat(second.path("type").asText()).isEqualTo("TYPE65280");
        assertThat(second.path("rcode").asText()).isEqualTo("REFUSED");
        assertThat(second.path("decision").asText()).isEqualTo("blocked");
        assertThat(second.path("reason").asText()).isEqualTo("ads-list");
        assertThat(second.has("upstream")).isFalse();

        JsonNode third = events.get(2).path("data");
        assertThat(third.has("name")).isFalse();
        assertThat(third.has("type")).isFalse();
        assertThat(third.has("rcode")).isFalse();
        assertThat(third.has("reason")).isFalse();
        assertThat(third.has("upstream")).isFalse();
        assertThat(third.path("decision").asText()).isEqualTo("malformed");
        assertThat(third.path("transport").asText()).isEqualTo("udp");
        assertThat(events.get(2).path("time").asText()).endsWith(".123458Z");

        assertThat(sink.written()).isEqualTo(3);
        assertThat(sink.dropped()).isZero();
    }

    @Test
    void timeIsRfc3339MicrosUtcAcrossSecondsAndBeforeTheEpoch() throws Exception {
        long[] times = {0, 999_999, 1_000_000, 1_700_000_000_000_001L, 1_700_000_000_999_999L,
                1_700_000_001_000_000L, 951_782_400_000_000L /* 2000-02-29 */, -1, 253_402_300_799_999_999L};
        Path file = dir.resolve("times.jsonl");
        EventSink sink = EventSinks.open(file.toString());
        for (long t : times) {
            sink.emit(new QueryEvent(t, null, Transport.UDP, "a.", 1, 0, Decision.CACHED, null, null, 0));
        }
        sink.close();
        List<JsonNode> events = readLines(file);
        assertThat(events).hasSize(times.length);
        for (int i = 0; i < times.length; i++) {
            Instant expected = Instant.ofEpochSecond(Math.floorDiv(times[i], 1_000_000L),
                    Math.floorMod(times[i], 1_000_000L) * 1000);
            assertThat(events.get(i).path("time").asText()).isEqualTo(RFC3339_MICROS.format(expected));
            assertThat(events.get(i).path("data").has("client")).isFalse();
        }
    }

    @Test
    void appendsToAnExistingFileAndFlushesWhenIdle() throws Exception {
        Path file = dir.resolve("append.jsonl");
        Files.writeString(file, "{\"old\":true}\n");
        EventSink sink = EventSinks.open(file.toString());
        try {
            sink.emit(event(1));
            // No close: the writer flushes as soon as its queue is empty, so a tail -f sees the event.
            Eventually.until(() -> Files.readAllLines(file).size() >= 2, Duration.ofSeconds(5), "the event flushed");
            assertThat(Files.readAllLines(file)).hasSize(2);
            assertThat(sink.written()).isEqualTo(1);
        } finally {
            sink.close();
        }
        List<JsonNode> lines = readLines(file);
        assertThat(lines.get(0).path("old").asBoolean()).isTrue();
        assertThat(lines.get(1).path("data").path("name").asText()).isEqualTo("n1.example.");
    }

    @Test
    void idsAreUniqueAndCountsExactUnderConcurrentEmitters() throws Exception {
        Path file = dir.resolve("many.jsonl");
        EventSink sink = EventSinks.open(file.toString(), 4096);
        int threads = 4;
        int each = 25_000;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            Thread th = new Thread(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        sink.emit(event(base + i));
                    }
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        sink.close();
        assertThat(sink.written() + sink.dropped()).isEqualTo((long) threads * each);
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize((int) sink.written());
        Set<String> ids = new HashSet<>();
        for (String line : lines) {
            ids.add(JSON.readTree(line).path("id").asText());
        }
        assertThat(ids).hasSize(lines.size());
    }

    /** Counts lines written once released; until then every write waits. */
    static final class GatedStream extends OutputStream {
        final CountDownLatch gate = new CountDownLatch(1);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writesStarted = new AtomicInteger();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writesStarted.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (bytes) {
                bytes.write(b, off, len);
            }
        }

        List<String> lines() {
            synchronized (bytes) {
                String s = bytes.toString(StandardCharsets.UTF_8);
                List<String> out = new ArrayList<>();
                for (String l : s.split("\n")) {
                    if (!l.isEmpty()) {
                        out.add(l);
                    }
                }
                return out;
            }
        }
    }

    @Test
    void emitNeverBlocksOnABlockedStreamAndCountsDropsExactly() throws Exception {
        GatedStream out = new GatedStream();
        JsonLinesSink sink = new JsonLinesSink(out, true, "gated", 16, "dotgate://test");
        assertThat(sink.capacity()).isEqualTo(16);
        List<QueryEvent> events = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            events.add(event(i));
        }
        // Let the writer take the first event and block in its flush.
        sink.emit(events.get(0));
        Eventually.until(() -> out.writesStarted.get() > 0, Duration.ofSeconds(5), "the writer in its first write");
        assertThat(out.writesStarted.get()).as("writer blocked in write").isPositive();

        long start = System.nanoTime();
        for (int i = 1; i < events.size(); i++) {
            sink.emit(events.get(i));
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMillis).as("9,999 emits against a blocked writer").isLessThan(500);
        assertThat(sink.dropped()).isEqualTo(10_000 - 1 - 16);
        assertThat(sink.written()).isZero();

        // A close while the stream still blocks gives up after the bounded wait.
        long closeStart = System.nanoTime();
        assertThat(sink.close(Duration.ofMillis(200))).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart)).isLessThan(2_000);

        out.gate.countDown();
        assertThat(sink.close(Duration.ofSeconds(10))).isTrue();
        assertThat(sink.written()).isEqualTo(17);
        assertThat(sink.written() + sink.dropped()).isEqualTo(10_000);
        assertThat(out.lines()).hasSize(17);
        sink.emit(event(1));
        assertThat(sink.dropped()).isEqualTo(10_000 - 17 + 1);
    }

    /** Fails the first {@code failures} writes, then works. */
    static final class FlakyStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        volatile int failures;
        volatile boolean closed;

        FlakyStream(int failures) {
            this.failures = failures;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (failures > 0) {
                failures--;
                // a partial write before the error, as a full disk would leave it
                bytes.write(b, off, Math.min(len, 7));
                throw new IOException("No space left on device");
            }
            bytes.write(b, off, len);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aFailingStreamNeverThrowsIntoEmitAndEverythingIsCounted() throws Exception {
        FlakyStream out = new FlakyStream(Integer.MAX_VALUE);
        JsonLinesSink sink = new JsonLinesSink(out, true, "broken", 1024, "dotgate://test");
        assertThatCode(() -> {
            for (int i = 0; i < 1000; i++) {
                sink.emit(event(i));
            }
            sink.emit(null);
        }).doesNotThrowAnyException();
        sink.close();
        assertThat(sink.written()).isZero();
        assertThat(sink.dropped()).isEqualTo(1000);
        assertThat(sink.writeErrors()).isPositive();
        assertThat(out.closed).isTrue();
    }

    @Test
    void writingResumesOnAFreshLineAfterTransientErrors() throws Exception {
        FlakyStream out = new FlakyStream(1);
        JsonLinesSink sink = new JsonLinesSink(out, false, "flaky", 1024, "dotgate://test");
        sink.emit(event(0));
        Eventually.tryUntil(() -> sink.writeErrors() > 0, Duration.ofSeconds(5));
        for (int i = 1; i <= 50; i++) {
            sink.emit(event(i));
        }
        sink.close();
        assertThat(out.closed).isFalse();
        assertThat(sink.writeErrors()).isEqualTo(1);
        assertThat(sink.dropped()).isEqualTo(1);
        assertThat(sink.written()).isEqualTo(50);
        // The torn first line stays torn, but every later event is a whole line of its own.
        Iterator<String> lines = List.of(out.bytes.toString(StandardCharsets.UTF_8).split("\n")).iterator();
        assertThat(lines.next()).hasSize(7);
        int parsed = 0;
        while (lines.hasNext()) {
            String line = lines.next();
            assertThat(JSON.readTree(line).path("data").path("name").asText()).isEqualTo("n" + (parsed + 1)
                    + ".example.");
            parsed++;
        }
        assertThat(parsed).isEqualTo(50);
    }

    @Test
    void openSpecs() throws Exception {
        assertThat(EventSinks.open("off")).isSameAs(EventSink.OFF);
        EventSink.OFF.emit(event(1));
        assertThat(EventSink.OFF.written()).isZero();
        assertThat(EventSink.OFF.dropped()).isZero();
        EventSink.OFF.close();

        EventSink stdout = EventSinks.open("stdout");
        try {
            assertThat(stdout).isInstanceOf(JsonLinesSink.class).hasToString("stdout");
        } finally {
            stdout.close();
        }

        Path missing = dir.resolve("no-such-dir").resolve("events.jsonl");
        assertThatThrownBy(() -> EventSinks.open(missing.toString()))
                .isInstanceOf(IOException.class)
                .hasMessage("events: cannot open " + missing + ": the directory " + missing.getParent()
                        + " does not exist");
        assertThatThrownBy(() -> EventSinks.open(dir.toString()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("events: cannot open " + dir + ": ");
        assertThatThrownBy(() -> EventSinks.open(" "))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("off, stdout or a file path");
    }
}
