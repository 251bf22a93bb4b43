package dev.dotgate.policy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a list comes from: a local file, or an http(s) URL whose last good download is kept in a cache directory
 * so that a restart without network still has it.
 *
 * @param name     shown in logs and in {@link Blocklists#blockedBy}
 * @param location a file path, or an {@code http://} / {@code https://} URL
 */
public record ListSource(String name, String location) {
    private static final Logger log = LoggerFactory.getLogger(ListSource.class);

    /** Limits of one download. */
    public record FetchOptions(Duration timeout, long maxBytes) {
        /** 60 seconds for the whole download, at most 64 MiB. */
        public static final FetchOptions DEFAULTS = new FetchOptions(Duration.ofSeconds(60), 64L << 20);

        public FetchOptions {
            if (timeout.isNegative() || timeout.isZero() || maxBytes <= 0) {
                throw new IllegalArgumentException("timeout and maxBytes must be positive");
            }
        }
    }

    /**
     * The file to parse.
     *
     * @param file  the local file, or the cached download
     * @param stale true when the download failed and {@code file} is the copy cached by an earlier download
     */
    public record Fetched(Path file, boolean stale) {
    }

    public ListSource {
        if (name == null || name.isBlank() || location == null || location.isBlank()) {
            throw new IllegalArgumentException("a list needs a name and a location");
        }
    }

    /** A source named by its location. */
    public static ListSource of(String location) {
        return new ListSource(location, location);
    }

    /** Whether the location is an http(s) URL. */
    public boolean isRemote() {
        String l = location.toLowerCase(Locale.ROOT);
        return l.startsWith("http://") || l.startsWith("https://");
    }

    /** {@link #fetch(Path, FetchOptions)} with {@link FetchOptions#DEFAULTS}. */
    public Fetched fetch(Path cacheDir) throws ListException {
        return fetch(cacheDir, FetchOptions.DEFAULTS);
    }

    /**
     * A local file is checked and returned as it is. A URL is downloaded into {@code cacheDir} (created if
     * missing; the file name is a hash of the URL), replacing the previous copy only once the download is complete;
     * if the download fails and an earlier copy exists, that copy is returned with a warning in the log. With a
     * cached copy the request is conditional ({@code If-None-Match} / {@code If-Modified-Since} from the validators
     * of the download that made it), and a 304 answer keeps that copy without downloading it again.
     *
     * @throws ListException naming this list and what failed
     */
    public Fetched fetch(Path cacheDir, FetchOptions options) throws ListException {
        if (!isRemote()) {
            if (location.contains("://")) {
                throw new ListException("list " + name + ": unsupported URL scheme in '" + location
                        + "' (http, https or a file path)");
            }
            Path file = Path.of(location);
            if (Files.isDirectory(file)) {
                throw new ListException("list " + name + ": " + file.toAbsolutePath() + " is a directory, not a file");
            }
            if (!Files.isRegularFile(file)) {
                throw new ListException("list " + name + ": no such file " + file.toAbsolutePath());
            }
            if (!Files.isReadable(file)) {
                throw new ListException("list " + name + ": cannot read " + file.toAbsolutePath());
            }
            return new Fetched(file, false);
        }
        if (cacheDir == null) {
            throw new IllegalArgumentException("a cache directory is needed for " + location);
        }
        URI uri = uri();
        Path cached = cacheFile(cacheDir);
        // One fetch at a time per cached copy (a scheduled refresh and a reload may meet): a copy and its
        // validators always come from the same download.
        synchronized (FETCHING.computeIfAbsent(cached.toAbsolutePath().normalize(), k -> new Object())) {
            try {
                if (download(uri, cacheDir, cached, options, true)) {
                    log.info("list {}: not modified since the copy cached {}", name, age(cached));
                    touch(cached);
                }
                return new Fetched(cached, false);
            } catch (ListException e) {
                if (!Files.isRegularFile(cached)) {
                    throw new ListException(e.getMessage() + ", and there is no cached copy");
                }
                log.warn("{}; using the copy cached {}", e.getMessage(), age(cached));
                return new Fetched(cached, true);
            }
        }
    }

    /** A lock per cached copy, for {@link #fetch}; one entry per configured list URL. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Object> FETCHING =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Where the last good download of this URL is kept in {@code cacheDir}. */
    public Path cacheFile(Path cacheDir) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(location.getBytes(StandardCharsets.UTF_8));
            return cacheDir.resolve("list-" + HexFormat.of().formatHex(digest, 0, 16) + ".txt");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    private URI uri() throws ListException {
        try {
            URI uri = new URI(location);
            if (uri.getHost() == null) {
                throw new ListException("list " + name + ": no host in URL '" + location + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ListException("list " + name + ": bad URL '" + location + "': " + e.getReason());
        }
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(Instant.now()));
        } catch (IOException e) {
            log.debug("cannot touch {}: {}", file, e.getMessage());
        }
    }

    /**
     * Downloads {@code uri} into {@code cached}, asking conditionally when {@code conditional} and the copy has
     * validators; true when the server answered 304 and the copy stays as it is.
     */
    private boolean download(URI uri, Path cacheDir, Path cached, FetchOptions options, boolean conditional)
            throws ListException {
        String failed = "list " + name + ": download of " + location + " failed: ";
        Path part;
        try {
            Files.createDirectories(cacheDir);
            part = Files.createTempFile(cacheDir, cached.getFileName().toString(), ".part");
        } catch (IOException e) {
            throw new ListException("list " + name + ": cannot write to cache directory " + cacheDir + ": "
                    + describe(e));
        }
        boolean done = false;
        boolean again = false;
        HttpResponse<Long> complete = null;
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(options.timeout())
                    .header("User-Agent", "dotgate").GET();
            CachedValidators conditions = conditional ? CachedValidators.of(cached) : CachedValidators.NONE;
            conditions.addTo(builder);
            HttpRequest request = builder.build();
            CompletableFuture<HttpResponse<Long>> future = Http.CLIENT.sendAsync(request, info -> info.statusCode()
                    == 200 ? new CappedFile(channel, options.maxBytes(), info.headers()
                            .firstValueAsLong("content-length").orElse(-1))
                    : HttpResponse.BodySubscribers.replacing(-1L));
            HttpResponse<Long> response;
            try {
                response = future.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                throw new ListException(failed + "timed out after " + seconds(options.timeout()));
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new ListException(failed + "interrupted");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof CappedFile.TooLarge) {
                    throw new ListException(failed + "larger than " + (options.maxBytes() >> 20 > 0
                            ? (options.maxBytes() >> 20) + " MiB" : options.maxBytes() + " bytes"));
                }
                throw new ListException(failed + describe(cause));
            }
            if (response.statusCode() == 304 && !conditions.isEmpty()) {
                if (response.uri().toString().equals(conditions.from())) {
                    return true;
                }
                again = true; // redirected elsewhere than the copy came from: its 304 says nothing about the copy
            } else if (response.statusCode() != 200) {
                throw new ListException(failed + "HTTP " + response.statusCode());
            } else {
                channel.force(false);
                done = true;
                complete = response;
            }
        } catch (IOException e) {
            throw new ListException(failed + describe(e));
        } finally {
            try {
                if (done) {
                    // The old copy's validators go first: they must never be sent for the new copy.
                    Files.deleteIfExists(CachedValidators.file(cached));
                    Files.move(part, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    CachedValidators.save(cached, complete);
                } else {
                    Files.deleteIfExists(part);
                }
            } catch (IOException e) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // the next download uses a new temporary name
                }
                if (done) {
                    throw new ListException("list " + name + ": cannot replace cached copy " + cached + ": "
                            + describe(e));
                }
            }
        }
        return again && download(uri, cacheDir, cached, options, false);
    }

    private static String describe(Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "connection refused";
        }
        if (e.getCause() != null && (e.getMessage() == null || e.getMessage().isBlank())) {
            return describe(e.getCause());
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String age(Path file) {
        try {
            Duration d = Duration.between(Files.getLastModifiedTime(file).toInstant(), Instant.now());
            if (d.toDays() > 0) {
                return d.toDays() + " d ago";
            }
            if (d.toHours() > 0) {
                return d.toHours() + " h ago";
            }
            return d.toMinutes() > 0 ? d.toMinutes() + " min ago" : "less than a minute ago";
        } catch (IOException e) {
            return "earlier";
        }
    }

    /** One client for every download (it keeps a selector thread, so not one per fetch). */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }
}
