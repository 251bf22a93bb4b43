package dev.dotgate.net;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link SmallHttpServer.Handler} answers: status, content type, body and extra headers. For a HEAD
 * request the server sends the headers only (with the body's {@code Content-Length}).
 */
public final class SmallHttpResponse {
    private final int status;
    private final String contentType;
    private final byte[] body;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Runnable whenSent;

    private SmallHttpResponse(int status, String contentType, byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    /** {@code body} (not copied: do not change it afterwards) as {@code contentType} with {@code status}. */
    public static SmallHttpResponse of(int status, String contentType, byte[] body) {
        return new SmallHttpResponse(status, contentType, body);
    }

    /** {@code status} with a short UTF-8 text. */
    public static SmallHttpResponse plain(int status, String text) {
        return new SmallHttpResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    /** 405 with {@code Allow: GET, HEAD}, for any other method. */
    public static SmallHttpResponse methodNotAllowed() {
        return plain(405, "method not allowed; use GET\n").header("Allow", "GET, HEAD");
    }

    /** Adds (or replaces) a header. */
    public SmallHttpResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /**
     * Runs {@code action} on the server's thread once the whole response has been handed to the operating system
     * (not when the client closed or the write timed out first).
     */
    public SmallHttpResponse whenSent(Runnable action) {
        this.whenSent = action;
        return this;
    }

    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    byte[] body() {
        return body;
    }

    Map<String, String> headers() {
        return headers;
    }

    Runnable whenSent() {
        return whenSent;
    }
}
