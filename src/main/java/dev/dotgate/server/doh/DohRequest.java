package dev.dotgate.server.doh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * What an HTTP request to the DoH endpoint (RFC 8484) asks for, from its method, target and headers: a DNS
 * message to resolve (GET), a body to wait for (POST), or the HTTP error to answer with. Shared by HTTP/1.1 and
 * HTTP/2.
 *
 * @param status   0 when the request is acceptable, else the HTTP status to answer with
 * @param reason   why, for the error body
 * @param message  the DNS message of a GET, owned by the caller; null otherwise
 * @param postBody whether the message comes as the body (POST)
 */
record DohRequest(int status, String reason, ByteBuf message, boolean postBody) {
    static final String PATH = DohSettings.PATH;
    static final String MEDIA_TYPE = "application/dns-message";
    static final int MAX_MESSAGE = 65535;

    static DohRequest error(int status, String reason) {
        return new DohRequest(status, reason, null, false);
    }

    boolean ok() {
        return status == 0;
    }

    /**
     * Checks a request: 404 for another path, 405 for a method other than GET and POST, 415 for a POST whose
     * content type is not {@code application/dns-message}, 413 for a message over 65,535 bytes, 400 for a GET
     * without a valid base64url {@code dns} parameter.
     *
     * @param contentLength the declared body length, or -1
     */
    static DohRequest of(CharSequence method, String target, CharSequence contentType, long contentLength) {
        if (target == null || method == null) {
            return error(400, "no method or path");
        }
        QueryStringDecoder uri = new QueryStringDecoder(target);
        if (!PATH.equals(uri.path())) {
            return error(404, "not found: DNS queries go to " + PATH);
        }
        String m = method.toString();
        if (m.equals("POST")) {
            if (contentType == null || !isDnsMessage(contentType)) {
                return error(415, "POST needs Content-Type: " + MEDIA_TYPE);
            }
            if (contentLength > MAX_MESSAGE) {
                return error(413, "a DNS message is at most " + MAX_MESSAGE + " bytes");
            }
            return new DohRequest(0, null, null, true);
        }
        if (!m.equals("GET")) {
            return error(405, "use GET or POST");
        }
        List<String> dns = uri.parameters().get("dns");
        if (dns == null || dns.isEmpty() || dns.get(0).isEmpty()) {
            return error(400, "GET needs the query in the dns parameter, base64url-encoded");
        }
        String encoded = dns.get(0);
        if (encoded.length() > (MAX_MESSAGE + 2) / 3 * 4) {
            return error(413, "a DNS message is at most " + MAX_MESSAGE + " bytes");
        }
        byte[] bytes;
        try {
            // RFC 8484 says base64url without padding; padded input is accepted too.
            bytes = Base64.getUrlDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return error(400, "the dns parameter is not base64url: " + e.getMessage());
        }
        if (bytes.length > MAX_MESSAGE) {
            return error(413, "a DNS message is at most " + MAX_MESSAGE + " bytes");
        }
        return new DohRequest(0, null, Unpooled.wrappedBuffer(bytes), false);
    }

    /** Whether a Content-Type names {@code application/dns-message}, parameters aside. */
    static boolean isDnsMessage(CharSequence contentType) {
        String t = contentType.toString();
        int semi = t.indexOf(';');
        return (semi < 0 ? t : t.substring(0, semi)).trim().toLowerCase(Locale.ROOT).equals(MEDIA_TYPE);
    }
}
