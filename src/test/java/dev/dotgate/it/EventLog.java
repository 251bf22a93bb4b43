package dev.dotgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The gateway's JSON-lines event file as tests read it: events are written by a background writer, so every read
 * here waits (up to {@link #WAIT}) for what it looks for, through {@link Eventually}.
 */
public final class EventLog {
    /** How long an event may take to reach the file. */
    public static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventLog() {
    }

    /** Every event now in {@code file} (whole lines: {@code type}, {@code data}...); none while it does not exist. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        }
        return out;
    }

    /** The events in {@code file} once there are at least {@code atLeast}. */
    public static List<JsonNode> awaitCount(Path file, int atLeast) {
        return Eventually.value(() -> read(file), l -> l.size() >= atLeast, WAIT, atLeast + " events in " + file);
    }

    /** The {@code data} of the first event whose {@code data} matches {@code p}, once one does. */
    public static JsonNode awaitData(Path file, Predicate<JsonNode> p) {
        List<JsonNode> all = Eventually.value(() -> read(file),
                l -> l.stream().anyMatch(e -> p.test(e.path("data"))), WAIT, "such an event in " + file);
        return all.stream().map(e -> e.path("data")).filter(p).findFirst().orElseThrow();
    }

    /** How many lines of {@code file} contain {@code text}, once at least {@code atLeast} do. */
    public static long awaitLinesContaining(Path file, String text, long atLeast) {
        return Eventually.value(() -> Files.exists(file)
                ? Files.readAllLines(file).stream().filter(l -> l.contains(text)).count() : 0L,
                n -> n >= atLeast, WAIT, atLeast + " events with " + text + " in " + file);
    }
}
