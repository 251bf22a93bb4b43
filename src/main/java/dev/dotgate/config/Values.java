package dev.dotgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The checks of single values for {@link Binder}: types of TOML nodes, durations, paths, list sources, sinks. */
final class Values {
    private Values() {
    }

    static List<String> strings(String key, JsonNode node) {
        if (node == null) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw ConfigException.of(key, node.toString(), "must be a list of strings, e.g. [\"127.0.0.1:53\"]");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : node) {
            if (!e.isTextual()) {
                throw ConfigException.of(key, e.toString(), "must be a string in quotes");
            }
            out.add(e.asText());
        }
        return out;
    }

    static String string(String key, JsonNode node) {
        if (!node.isTextual()) {
            throw ConfigException.of(key, node.toString(), "must be a string in quotes");
        }
        return node.asText();
    }

    static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : node.toString();
    }

    static Duration duration(String key, String value, Setting.Check check) {
        Duration d = Durations.parse(key, value);
        if (check == Setting.Check.POSITIVE && d.isZero()) {
            throw ConfigException.of(key, value, "must be longer than zero");
        }
        if (check == Setting.Check.TTL) {
            if (d.toMillis() % 1000 != 0) {
                throw ConfigException.of(key, value, "must be whole seconds (TTLs are counted in seconds)");
            }
            if (d.compareTo(Duration.ofDays(365)) > 0) {
                throw ConfigException.of(key, value, "is longer than a year");
            }
        }
        return d;
    }

    /** A path as written; from the config file ({@code base} its directory), relative to the file's directory. */
    static Path path(String value, boolean fromFile, Path base) {
        Path p = Path.of(value);
        return fromFile && base != null && !p.isAbsolute() ? base.resolve(p).normalize() : p;
    }

    static void readable(String key, Path p) {
        String shown = p.toAbsolutePath().normalize().toString();
        if (Files.isDirectory(p)) {
            throw ConfigException.of(key, shown, "is a directory, not a file");
        }
        if (!Files.isReadable(p)) {
            throw ConfigException.of(key, shown, "is not a readable file");
        }
    }

    /** A list location: an http(s) URL, or a readable file. */
    static String source(String key, String value, boolean fromFile, Path base) {
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            try {
                if (new URI(value).getHost() == null) {
                    throw ConfigException.of(key, value, "is not a URL with a host");
                }
            } catch (URISyntaxException e) {
                throw ConfigException.of(key, value, "is not a valid URL: " + e.getReason());
            }
            return value;
        }
        if (lower.contains("://")) {
            throw ConfigException.of(key, value, "must be a file path or an http:// or https:// URL");
        }
        Path p = path(value, fromFile, base);
        readable(key, p);
        return p.toString();
    }

    /** {@code off}, {@code stdout}, or a file whose directory exists. */
    static String sink(String key, String value, boolean fromFile, Path base) {
        if (value.isBlank()) {
            throw ConfigException.of(key, value, "is empty (use off, stdout or a file path)");
        }
        if (value.equals("off") || value.equals("stdout")) {
            return value;
        }
        Path p = path(value, fromFile, base);
        Path abs = p.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            throw ConfigException.of(key, abs, "is a directory: name a file to append the events to");
        }
        Path dir = abs.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw ConfigException.of(key, abs, "is in a directory that does not exist (" + dir + "): create it "
                    + "(mkdir -p " + dir + ") or name a file in another one");
        }
        return p.toString();
    }
}
