package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamOptions;
import dev.dotgate.config.UpstreamSpec;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything one upstream is built from: its URI and the connection settings it runs with. A value: two equal
 * setups make the same upstream, so a reload keeps a running upstream (and its connections) whose setup did not
 * change. Options live here per upstream, so upstreams may differ in them.
 *
 * @param spec           the URI: scheme, address, authentication name, 0x20, ECS
 * @param ca             the CA bundle TLS upstreams are checked against (null: the system's)
 * @param timeout        how long a query waits for an answer (the upstream's own {@code timeout} when it has one)
 * @param poolSize       connections per stream upstream (its own {@code pool_size} when it has one) (and, times {@code maxInflight}, the udp:// bound)
 * @param maxInflight    queries in flight per connection
 * @param idleTimeout    idle time after which a stream connection closes
 * @param connectTimeout connect and TLS handshake timeout
 * @param udpSize        the EDNS UDP payload size advertised to udp:// upstreams
 * @param bootstrap      the resolvers that give a host name's addresses (empty for an IP upstream)
 */
public record UpstreamSetup(UpstreamSpec spec, Path ca, Duration timeout, int poolSize, int maxInflight,
        Duration idleTimeout, Duration connectTimeout, int udpSize, List<InetSocketAddress> bootstrap) {
    public UpstreamSetup {
        bootstrap = List.copyOf(bootstrap);
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    /** {@code spec} with the gateway-wide {@code options} ({@code [upstream]}) and {@code udpSize}; no bootstrap. */
    public static UpstreamSetup of(UpstreamSpec spec, UpstreamOptions options, int udpSize) {
        return of(spec, options, udpSize, List.of());
    }

    /** The same, with the {@code bootstrap} resolvers kept only when the spec names a host to resolve. */
    public static UpstreamSetup of(UpstreamSpec spec, UpstreamOptions options, int udpSize,
            List<InetSocketAddress> bootstrap) {
        return new UpstreamSetup(spec, options.ca(), spec.timeout() != null ? spec.timeout() : options.timeout(),
                spec.poolSize() > 0 ? spec.poolSize() : options.poolSize(), options.maxInflight(),
                options.idleTimeout(), options.connectTimeout(), udpSize,
                spec.needsBootstrap() ? bootstrap : List.of());
    }

    /** The URI scheme, lower case ("tls", "tcp", "udp"): which {@link UpstreamFactory} builds it. */
    public String scheme() {
        return spec.protocol().name().toLowerCase(Locale.ROOT);
    }

    /** The same settings for another URI (the TCP fallback of a udp:// upstream). */
    public UpstreamSetup withSpec(UpstreamSpec other) {
        return new UpstreamSetup(other, ca, timeout, poolSize, maxInflight, idleTimeout, connectTimeout, udpSize,
                other.needsBootstrap() ? bootstrap : List.of());
    }
}
