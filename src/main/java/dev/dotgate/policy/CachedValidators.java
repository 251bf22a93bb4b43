package dev.dotgate.policy;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validators (ETag, Last-Modified) of the download that made a list's cached copy, and the URL it finally
 * came from (after redirects), kept in a file next to the copy; from them, the conditional request headers of
 * the next download. Pairs of name and value (empty without a copy or validators).
 */
record CachedValidators(List<String> headers, String from) {
    private static final Logger log = LoggerFactory.getLogger(CachedValidators.class);
    static final CachedValidators NONE = new CachedValidators(List.of(), null);

    boolean isEmpty() {
        return headers.isEmpty();
    }

    /** Adds the conditional request headers to {@code builder}. */
    void addTo(HttpRequest.Builder builder) {
        for (int i = 0; i < headers.size(); i += 2) {
            builder.header(headers.get(i), headers.get(i + 1));
        }
    }

    /** Where the validators (ETag, Last-Modified) of the download that made {@code cached} are kept. */
    static Path file(Path cached) {
        return cached.resolveSibling(cached.getFileName().toString().replaceFirst("\\.txt$", "") + ".validators");
    }

    /** The validators kept next to {@code cached}; {@link #NONE} without a copy or validators. */
    static CachedValidators of(Path cached) {
        Path file = file(cached);
        if (!Files.isRegularFile(cached) || !Files.isRegularFile(file)) {
            return NONE;
        }
        List<String> out = new ArrayList<>();
        String from = null;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                String value = colon < 0 ? "" : line.substring(colon + 1).strip();
                // Validators are visible ASCII (RFC 9110); anything else is not sent.
                if (value.isEmpty() || value.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                    continue;
                }
                if (line.startsWith("etag:")) {
                    out.add("If-None-Match");
                    out.add(value);
                } else if (line.startsWith("last-modified:")) {
                    out.add("If-Modified-Since");
                    out.add(value);
                } else if (line.startsWith("from:")) {
                    from = value;
                }
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", file, e.getMessage());
            return NONE;
        }
        return out.isEmpty() ? NONE : new CachedValidators(List.copyOf(out), from);
    }

    /**
     * Keeps the validators of a complete download (and the URL it finally came from) next to it, written whole
     * or not at all; none when the response had none.
     */
    static void save(Path cached, HttpResponse<?> response) {
        Path file = file(cached);
        StringBuilder sb = new StringBuilder();
        response.headers().firstValue("etag").ifPresent(v -> sb.append("etag: ").append(v.strip()).append('\n'));
        response.headers().firstValue("last-modified")
                .ifPresent(v -> sb.append("last-modified: ").append(v.strip()).append('\n'));
        if (sb.length() == 0) {
            return;
        }
        sb.append("from: ").append(response.uri()).append('\n');
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.debug("cannot write {}: {}", file, e.getMessage()); // only costs a full download next time
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
