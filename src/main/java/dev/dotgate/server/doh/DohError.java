package dev.dotgate.server.doh;

import io.netty.util.AsciiString;
import java.util.Locale;

/**
 * Why a DoH request is refused: the HTTP status it is answered with, the short label its event and log carry,
 * and the text of the {@code text/plain} body. Shared by HTTP/1.1 and HTTP/2.
 */
enum DohError {
    BAD_PERCENT_ENCODING(400, "the request target has a malformed %-escape"),
    NO_DNS_PARAMETER(400, "GET needs the query in the dns parameter, base64url-encoded"),
    BAD_BASE64URL(400, "the dns parameter is not base64url"),
    TOO_SHORT(400, "a DNS message is at least 12 bytes (its header)"),
    NOT_A_QUERY(400, "not a DNS query"),
    NO_BODY(400, "POST without a body"),
    BAD_CONTENT_LENGTH(400, "Content-Length is not a number"),
    NO_METHOD_OR_PATH(400, "no method or path"),
    /** HTTP/2 headers Netty's validation refuses (RFC 9113 section 8.1.1), or an HTTP/1.1 request it cannot read. */
    MALFORMED_REQUEST(400, "malformed request"),
    NOT_FOUND(404, "not found: DNS queries go to " + DohSettings.PATH),
    METHOD_NOT_ALLOWED(405, "use GET or POST"),
    /** HTTP/1.1: a request begun and not complete within the frame timeout. */
    REQUEST_TIMEOUT(408, "the request was not complete in time"),
    BODY_TOO_LARGE(413, "a DNS message is at most %d bytes"),
    /** A GET whose dns parameter holds more than the largest query, or a request line over the limit. */
    URI_TOO_LONG(414, "the request target is too long: a DNS message is at most %d bytes"),
    UNSUPPORTED_MEDIA_TYPE(415, "POST needs Content-Type: " + DohRequest.MEDIA_TYPE),
    HEADERS_TOO_LARGE(431, "the request headers are too large");

    /** The content type of every error body. */
    static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

    private final int status;
    private final String label;
    private final String text;

    /** The label is the constant's name in lower case, e.g. {@code bad_base64url}. */
    DohError(int status, String text) {
        this.status = status;
        this.label = name().toLowerCase(Locale.ROOT);
        this.text = text;
    }

    int status() {
        return status;
    }

    /** The reason events carry, e.g. {@code bad_base64url}. */
    String label() {
        return label;
    }

    /** The body text: one line, with the largest query size where it matters. */
    String text(int maxQuerySize) {
        return (text.contains("%d") ? String.format(text, maxQuerySize) : text) + "\n";
    }
}
