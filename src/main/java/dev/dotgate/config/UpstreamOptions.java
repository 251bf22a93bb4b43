package dev.dotgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the gateway talks to its upstreams.
 *
 * @param servers            upstream resolvers, tried round robin among those that are up
 * @param ca                 an extra CA (PEM) trusted for upstream certificates besides the system store; may be null
 * @param timeout            a query not answered within this gets SERVFAIL
 * @param poolSize           persistent connections per stream (tls/tcp) upstream
 * @param maxInflight        queries in flight on one upstream connection at most
 * @param idleTimeout        an upstream connection with nothing in flight for this long is closed
 * @param connectTimeout     TCP connect plus TLS handshake must finish within this
 */
public record UpstreamOptions(List<UpstreamSpec> servers, Path ca, Duration timeout, int poolSize, int maxInflight,
        Duration idleTimeout, Duration connectTimeout) {
}
