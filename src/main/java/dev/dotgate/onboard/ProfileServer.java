package dev.dotgate.onboard;

import dev.dotgate.net.BindFailure;
import dev.dotgate.net.SmallHttpRefusals;
import dev.dotgate.net.SmallHttpRequest;
import dev.dotgate.net.SmallHttpResponse;
import dev.dotgate.net.SmallHttpServer;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Serves one file over HTTP at one unguessable path ({@code /<16 random base64url characters>/NAME}); every other
 * path is 404 and other methods than GET and HEAD are 405. A {@link SmallHttpServer} (one thread of its own, with
 * its connection, time and size limits): a few requests from one phone, and nobody else on the network can hold
 * the server up.
 */
public final class ProfileServer implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SmallHttpServer http;
    private final String path;
    private final byte[] body;
    private final String contentType;
    private final Consumer<String> onDownload;
    private final AtomicInteger downloads = new AtomicInteger();
    private final CountDownLatch firstDownload = new CountDownLatch(1);

    private ProfileServer(String path, byte[] body, String contentType, Consumer<String> onDownload) {
        this.path = path;
        this.body = body;
        this.contentType = contentType;
        this.onDownload = onDownload;
    }

    /**
     * Binds {@code address} (port 0 picks one) and serves {@code body} as {@code fileName}.
     *
     * @param onDownload told the client's address after each complete download
     */
    public static ProfileServer start(InetSocketAddress address, String fileName, byte[] body, String contentType,
            Consumer<String> onDownload) throws BindFailure {
        ProfileServer ps = new ProfileServer("/" + randomToken() + "/" + fileName, body.clone(), contentType,
                onDownload);
        ps.http = SmallHttpServer.start(address, "dotgate-setup-http", ps::handle, "the profile",
                "--listen HOST:PORT");
        return ps;
    }

    /** 16 base64url characters: 96 random bits. */
    static String randomToken() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The path the file is served at, starting with '/'. */
    public String path() {
        return path;
    }

    /** The bound address, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return http.address();
    }

    /** Complete downloads so far. */
    public int downloads() {
        return downloads.get();
    }

    /** What the server turned away so far (connection limits, timeouts, oversized or bodied requests). */
    public SmallHttpRefusals refusals() {
        return http.refusals();
    }

    /** Waits until the first complete download or {@code timeout}; true if there was a download. */
    public boolean awaitDownload(Duration timeout) throws InterruptedException {
        return firstDownload.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops listening; a download in progress gets a moment to finish. */
    @Override
    public void close() {
        http.close();
    }

    private SmallHttpResponse handle(SmallHttpRequest request) {
        if (!path.equals(request.rawPath())) {
            return SmallHttpResponse.plain(404, "not found\n");
        }
        if (!request.getOrHead()) {
            return SmallHttpResponse.methodNotAllowed();
        }
        SmallHttpResponse response = SmallHttpResponse.of(200, contentType, body)
                .header("Content-Disposition", "attachment; filename=\"" + path.substring(path.lastIndexOf('/') + 1)
                        + "\"")
                .header("Cache-Control", "no-store");
        if (request.head()) {
            return response; // a HEAD is not a download
        }
        String client = request.client().getAddress().getHostAddress();
        return response.whenSent(() -> {
            downloads.incrementAndGet();
            onDownload.accept(client);
            firstDownload.countDown();
        });
    }
}
