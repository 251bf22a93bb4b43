package dev.dotgate.server.doh;

import dev.dotgate.server.QueryIntake;

/**
 * What every DoH connection shares.
 *
 * @param intake      the query path all transports share
 * @param maxInflight queries in flight per connection: HTTP/2's SETTINGS_MAX_CONCURRENT_STREAMS, and on
 *                    HTTP/1.1 the requests read ahead of their answers
 * @param writeTimeoutMillis a client that does not take our answers for this long is closed
 * @param idleTimeoutMillis  a connection with no request and nothing in flight for this long is closed (on HTTP/2
 *                           PING frames do not count)
 */
public record DohSettings(QueryIntake intake, int maxInflight, long writeTimeoutMillis, long idleTimeoutMillis) {
    /** The one path DNS-over-HTTPS is served on (RFC 8484 names it as an example; clients are told it). */
    public static final String PATH = "/dns-query";

}
