package dev.dotgate.server.doh;

import io.netty.util.AsciiString;

/**
 * Why a DoH request is refused: the HTTP status it is answered with, the short label its event and log carry,
 * and the text of the {@code text/plain} body. Shared by HTTP/1.1 and HTTP/2.
 */
enum DohError {
    BAD_PERCENT_ENCODING(400, "bad_percent_encoding", "the request target has a malformed %-escape"),
    NO_DNS_PARAMETER(400, "no_dns_parameter", "GET needs the query in the dns parameter, base64url-encoded"),
    BAD_BASE64URL(400, "bad_base64url", "the dns parameter is not base64url"),
    TOO_SHORT(400, "too_short", "a DNS message is at least 12 bytes (its header)"),
    NOT_A_QUERY(400, "not_a_query", "not a DNS query"),
    NO_BODY(400, "no_body", "POST without a body"),
    BAD_CONTENT_LENGTH(400, "bad_content_length", "Content-Length is not a number"),
    NO_METHOD_OR_PATH(400, "no_method_or_path", "no method or path"),
    /** HTTP/2 headers Netty's validation refuses (RFC 9113 section 8.1.1), or an HTTP/1.1 request it cannot read. */
    MALFORMED_REQUEST(400, "malformed_request", "malformed request"),
    NOT_FOUND(404, "not_found", "not found: DNS queries go to " + DohSettings.PATH),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "use GET or POST"),
    /** HTTP/1.1: a request begun and not complete within the frame timeout. */
    REQUEST_TIMEOUT(408, "request_timeout", "the request was not complete in time"),
    BODY_TOO_LARGE(413, "body_too_large", "a DNS message is at most %d bytes"),
    /** A GET whose dns parameter holds more than the largest query, or a request line over the limit. */
    URI_TOO_LONG(414, "uri_too_long", "the request target is too long: a DNS message is at most %d bytes"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", "POST needs Content-Type: " + DohRequest.MEDIA_TYPE),
    HEADERS_TOO_LARGE(431, "headers_too_large", "the request headers are too large");

    /** The content type of every error body. */
    static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

    private final int status;
    private final String label;
    private final String text;

    DohError(int status, String label, String text) {
        this.status = status;
        this.label = label;
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
