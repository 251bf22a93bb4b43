package dev.dotgate.server.doh;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.server.ServerCounters;
import java.net.InetSocketAddress;

/**
 * What every DoH connection shares.
 *
 * @param intake             the query path all transports share
 * @param counters           where refused requests and reset streams are counted
 * @param maxInflight        queries in flight per connection: HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS, and on
 *                           HTTP/1.1 the requests read ahead of their answers
 * @param maxQuerySize       largest DNS message a request may carry (POST body, decoded GET parameter), bytes
 *                           (plus one: HTTP/2's SETTINGS_INITIAL_WINDOW_SIZE)
 * @param writeTimeoutMillis a client that does not take our answers for this long is closed
 * @param idleTimeoutMillis  a connection with no request and nothing in flight for this long is closed (on HTTP/2
 *                           PING frames do not count)
 * @param frameTimeoutMillis a request begun must be complete within this: else an HTTP/2 stream (HEADERS
 *                           without END_STREAM) is reset (CANCEL), an HTTP/1.1 request answered 408
 */
public record DohSettings(QueryIntake intake, ServerCounters counters, int maxInflight, int maxQuerySize,
        long writeTimeoutMillis, long idleTimeoutMillis, long frameTimeoutMillis) {
    /** The one path DNS-over-HTTPS is served on (RFC 8484 names it as an example; clients are told it). */
    public static final String PATH = "/dns-query";
    /** HTTP/2's connection flow-control window, fixed at its initial size by RFC 9113 (section 6.9.2). */
    static final int CONNECTION_WINDOW = 65_535;
    /** HTTP/1.1 header block and HTTP/2 header list, at least (RFC 9113 SETTINGS_MAX_HEADER_LIST_SIZE). */
    static final int MIN_HEADER_LIST = 8 * 1024;
    /** Room in a request line or header list besides the base64url of the largest query. */
    private static final int HEADER_ROOM = 1024;

    /**
     * Bytes of request bodies one HTTP/2 connection may be receiving at once, across its streams: each body
     * being received reserves its Content-Length (or the largest query when it declares none); a stream that would
     * go over is refused. At most the connection window, so flow control never stalls a body that was admitted.
     */
    int bodyBudget() {
        return (int) Math.min((long) maxInflight * maxQuerySize, CONNECTION_WINDOW);
    }

    /** Longest GET dns parameter, in base64url characters (with padding). */
    int maxEncodedQuery() {
        return (maxQuerySize + 2) / 3 * 4;
    }

    /** The HTTP/1.1 request line limit: room for a GET of the largest query. */
    int maxRequestLine() {
        return Math.max(MIN_HEADER_LIST, maxEncodedQuery() + HEADER_ROOM);
    }

    /** HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE (the :path of a GET counts in it); the HTTP/1.1 header limit. */
    int maxHeaderList() {
        return maxRequestLine();
    }

    /** Counts a request answered with {@code error}'s status and reports it as a dropped query. */
    void refused(DohError error, InetSocketAddress client) {
        counters.dohBadRequests.increment(error.status());
        if (error != DohError.NOT_A_QUERY) { // QueryIntake has reported that one already
            intake.observer().dropped(Transport.DOH, client, Decision.MALFORMED, error.label());
        }
    }
}
