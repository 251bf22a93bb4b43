package dev.dotgate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where and how the gateway accepts clients.
 *
 * @param plain            addresses for plain DNS, each on UDP and TCP
 * @param dot              addresses for DNS-over-TLS
 * @param doh              addresses for DNS-over-HTTPS (HTTP/2 and HTTP/1.1 over TLS, path /dns-query)
 * @param cert             PEM certificate chain for DoT and DoH, or null to use the generated local CA
 * @param key              PEM private key for {@code cert}
 * @param handshakeTimeout a DoT client must finish the TLS handshake within this
 * @param idleTimeout      a TCP/DoT connection with no query in flight for this long is closed
 * @param writeTimeout     a TCP/DoT client that does not take our answers for this long is closed
 * @param maxConnections   concurrent TCP, DoT and DoH connections at most; more are closed at accept
 * @param maxInflightPerConnection queries in flight per TCP/DoT/DoH connection (HTTP/2 streams); beyond, reading pauses
 * @param maxUdpInflight   UDP queries in flight at most; beyond, UDP reading pauses
 * @param proxyTrusted     CIDR ranges of load balancers whose PROXY protocol headers are required and honoured on
 *                         every listener; empty turns the PROXY protocol off
 */
public record ListenOptions(List<InetSocketAddress> plain, List<InetSocketAddress> dot, List<InetSocketAddress> doh,
        Path cert, Path key,
        Duration handshakeTimeout, Duration idleTimeout, Duration writeTimeout, int maxConnections,
        int maxInflightPerConnection, int maxUdpInflight, List<String> proxyTrusted) {
}
