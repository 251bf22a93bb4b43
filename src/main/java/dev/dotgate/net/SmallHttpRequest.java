package dev.dotgate.net;

import java.net.InetSocketAddress;

/**
 * One request read by {@link SmallHttpServer}: only its head, since no body is accepted.
 *
 * @param method  the method as sent ("GET", "HEAD", ...)
 * @param uri     the request target as sent, e.g. {@code /metrics?x=1}
 * @param client  the address the connection comes from
 */
public record SmallHttpRequest(String method, String uri, InetSocketAddress client) {

    /** Whether the method is GET or HEAD, the only ones the small servers answer with content. */
    public boolean getOrHead() {
        return method.equals("GET") || method.equals("HEAD");
    }

    /** Whether this is a HEAD request: its response carries the headers only. */
    public boolean head() {
        return method.equals("HEAD");
    }

    /** The path part of {@link #uri}, still percent-encoded (no query string, no fragment). */
    public String rawPath() {
        int end = uri.length();
        int q = uri.indexOf('?');
        if (q >= 0) {
            end = q;
        }
        int f = uri.indexOf('#');
        if (f >= 0 && f < end) {
            end = f;
        }
        String p = uri.substring(0, end);
        if (!p.startsWith("/")) { // absolute form: http://host:port/path
            int scheme = p.indexOf("://");
            if (scheme < 0) {
                return p;
            }
            int slash = p.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : p.substring(slash);
        }
        return p;
    }

    /** {@link #rawPath} with percent-escapes decoded (UTF-8); a malformed escape is kept as it is. */
    public String path() {
        String raw = rawPath();
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }
}
