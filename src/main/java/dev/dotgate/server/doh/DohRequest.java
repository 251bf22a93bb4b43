package dev.dotgate.server.doh;

import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * What an HTTP request to the DoH endpoint (RFC 8484) asks for, from its method, target and headers: a DNS
 * message to resolve (GET), a body to wait for (POST), or the error to answer with. Shared by HTTP/1.1 and
 * HTTP/2. Never throws on client input.
 *
 * @param error       null when the request is acceptable, else why not (its HTTP status and text)
 * @param message     the DNS message of a GET, owned by the caller; null otherwise
 * @param postBody    whether the message comes as the body (POST)
 * @param bodyLength  the body length a POST declared (Content-Length, -1 if none); a GET's message length
 */
record DohRequest(DohError error, ByteBuf message, boolean postBody, long bodyLength) {
    static final String PATH = DohSettings.PATH;
    static final String MEDIA_TYPE = "application/dns-message";

    static DohRequest error(DohError error) {
        return new DohRequest(error, null, false, -1);
    }

    boolean ok() {
        return error == null;
    }

    /**
     * {@link #of} on the headers of an HTTP/2 request; a Content-Length that is not a number (the codec has checked
     * it already; kept in case) is 400.
     */
    static DohRequest of(Http2Headers h, int maxQuerySize) {
        CharSequence length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        long contentLength = -1;
        if (length != null) {
            try {
                contentLength = Long.parseLong(length.toString().trim());
            } catch (NumberFormatException e) {
                return error(DohError.BAD_CONTENT_LENGTH);
            }
        }
        CharSequence path = h.path();
        return of(h.method(), path == null ? null : path.toString(), h.get(HttpHeaderNames.CONTENT_TYPE),
                contentLength, maxQuerySize);
    }

    /**
     * Checks a request: 404 for another path, 405 for a method other than GET and POST, 415 for a POST whose
     * content type is not {@code application/dns-message}, 413 for a POST declaring more than
     * {@code maxQuerySize} bytes, 414 for a GET whose {@code dns} parameter holds more, 400 for a target with a
     * malformed %-escape, a GET without a {@code dns} parameter, one that is not base64url, or one shorter than a
     * DNS header.
     *
     * @param contentLength the declared body length (a number), or -1
     */
    static DohRequest of(CharSequence method, String target, CharSequence contentType, long contentLength,
            int maxQuerySize) {
        if (target == null || method == null) {
            return error(DohError.NO_METHOD_OR_PATH);
        }
        QueryStringDecoder uri = new QueryStringDecoder(target);
        String path;
        try {
            path = uri.path();
        } catch (IllegalArgumentException e) { // a bad %-escape
            return error(DohError.BAD_PERCENT_ENCODING);
        }
        if (!PATH.equals(path)) {
            return error(DohError.NOT_FOUND);
        }
        String m = method.toString();
        if (m.equals("POST")) {
            if (contentType == null || !isDnsMessage(contentType)) {
                return error(DohError.UNSUPPORTED_MEDIA_TYPE);
            }
            if (contentLength > maxQuerySize) {
                return error(DohError.BODY_TOO_LARGE);
            }
            return new DohRequest(null, null, true, contentLength);
        }
        if (!m.equals("GET")) {
            return error(DohError.METHOD_NOT_ALLOWED);
        }
        List<String> dns;
        try {
            dns = uri.parameters().get("dns");
        } catch (IllegalArgumentException e) {
            return error(DohError.BAD_PERCENT_ENCODING);
        }
        if (dns == null || dns.isEmpty() || dns.get(0).isEmpty()) {
            return error(DohError.NO_DNS_PARAMETER);
        }
        return decode(dns.get(0), maxQuerySize);
    }

    /** The DNS message of a GET from its base64url {@code dns} parameter (RFC 8484 section 4.1). */
    private static DohRequest decode(String encoded, int maxQuerySize) {
        if (encoded.length() > (maxQuerySize + 2) / 3 * 4) {
            return error(DohError.URI_TOO_LONG);
        }
        byte[] bytes;
        try {
            // RFC 8484 says base64url without padding; padded input is accepted too.
            bytes = Base64.getUrlDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return error(DohError.BAD_BASE64URL);
        }
        if (bytes.length > maxQuerySize) {
            return error(DohError.URI_TOO_LONG);
        }
        if (bytes.length < Dns.HEADER_LENGTH) {
            return error(DohError.TOO_SHORT);
        }
        return new DohRequest(null, Unpooled.wrappedBuffer(bytes), false, bytes.length);
    }

    /** Whether a Content-Type names {@code application/dns-message}, parameters aside. */
    static boolean isDnsMessage(CharSequence contentType) {
        String t = contentType.toString();
        int semi = t.indexOf(';');
        return (semi < 0 ? t : t.substring(0, semi)).trim().toLowerCase(Locale.ROOT).equals(MEDIA_TYPE);
    }
}
