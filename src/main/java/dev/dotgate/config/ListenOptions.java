package dev.dotgate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where and how the gateway accepts clients ({@code [listen]} and {@code [proxy_protocol]}).
 *
 * @param plain            addresses for plain DNS, each on UDP and TCP
 * @param dot              addresses for DNS-over-TLS
 * @param doh              addresses for DNS-over-HTTPS (HTTP/2 and HTTP/1.1 over TLS, path /dns-query)
 * @param doq              addresses for DNS-over-QUIC (UDP)
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
public record ListenOptions(
        @Setting(key = "listen.plain", flag = "--listen", label = "ADDRESS:PORT", dflt = "[\"127.0.0.1:53\"]",
                restart = true, doc = "plain DNS addresses, each on UDP and TCP")
        List<InetSocketAddress> plain,
        @Setting(key = "listen.dot", flag = "--dot-listen", label = "ADDRESS:PORT", dflt = "[\"127.0.0.1:853\"]",
                restart = true, doc = "DNS-over-TLS addresses")
        List<InetSocketAddress> dot,
        @Setting(key = "listen.doh", flag = "--doh-listen", label = "ADDRESS:PORT", dflt = "[]", shown = "`[]` (off)",
                restart = true, doc = "DNS-over-HTTPS addresses, served at `https://HOST:PORT/dns-query` over HTTP/2 "
                        + "and HTTP/1.1")
        List<InetSocketAddress> doh,
        @Setting(key = "listen.doq", flag = "--doq-listen", label = "ADDRESS:PORT", dflt = "[]", shown = "`[]` (off)",
                restart = true, doc = "DNS-over-QUIC addresses (RFC 9250, UDP; port 853 is DoQ's, beside DoT's on "
                        + "TCP)")
        List<InetSocketAddress> doq,
        @Setting(key = "listen.cert", flag = "--cert", label = "FILE", shown = "generated", check = Setting.Check.FILE,
                restart = true, doc = "PEM certificate chain for DoT and DoH (leaf first, then intermediates: "
                        + "certbot's `fullchain.pem`); reloaded when the file changes and on SIGHUP")
        Path cert,
        @Setting(key = "listen.key", flag = "--key", label = "FILE", shown = "generated", check = Setting.Check.FILE,
                restart = true, doc = "the unencrypted PEM private key of `listen.cert` for DoT and DoH")
        Path key,
        @Setting(key = "listen.handshake_timeout", dflt = "\"10s\"", check = Setting.Check.POSITIVE, restart = true,
                doc = "a DoT or DoH client must finish its TLS handshake within this")
        Duration handshakeTimeout,
        @Setting(key = "listen.idle_timeout", dflt = "\"30s\"", check = Setting.Check.POSITIVE, restart = true,
                doc = "TCP/DoT/DoH connection with nothing in flight for this long is closed; told to clients "
                        + "that send EDNS TCP keepalive")
        Duration idleTimeout,
        @Setting(key = "listen.write_timeout", dflt = "\"10s\"", check = Setting.Check.POSITIVE, restart = true,
                doc = "a client that does not take our answers for this long is disconnected")
        Duration writeTimeout,
        @Setting(key = "listen.max_connections", dflt = "1024", min = 1, max = 1_000_000, restart = true,
                doc = "concurrent TCP, DoT and DoH connections; more are closed at accept and counted")
        int maxConnections,
        @Setting(key = "listen.max_queries_per_connection", dflt = "128", min = 1, max = 65_535, restart = true,
                doc = "queries in flight per TCP/DoT/DoH connection (HTTP/2 streams); beyond it the connection "
                        + "stops reading (backpressure, nothing dropped)")
        int maxInflightPerConnection,
        @Setting(key = "listen.max_udp_inflight", dflt = "8192", min = 1, max = 1_000_000, restart = true,
                doc = "UDP queries in flight; beyond it the UDP socket stops reading until a quarter are answered")
        int maxUdpInflight,
        @Setting(key = "proxy_protocol.trusted", flag = "--proxy-trusted", label = "CIDR", dflt = "[]",
                shown = "none (off)", restart = true, doc = "CIDR ranges of load balancers that must start every "
                        + "connection and datagram with a PROXY protocol header naming the real client (v2; v1 too "
                        + "on TCP/DoT/DoH); see \"Behind a load balancer\"")
        List<String> proxyTrusted) {

    public ListenOptions {
        plain = List.copyOf(plain);
        dot = List.copyOf(dot);
        doh = List.copyOf(doh);
        doq = List.copyOf(doq);
        proxyTrusted = List.copyOf(proxyTrusted);
        if (plain.isEmpty() && dot.isEmpty() && doh.isEmpty() && doq.isEmpty()) {
            throw new ConfigException("listen.plain, listen.dot, listen.doh and listen.doq are all empty: the "
                    + "gateway would accept nothing");
        }
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? "listen.key is set without listen.cert (--cert): give both or "
                    + "neither" : "listen.cert is set without listen.key (--key): give both or neither");
        }
        Listeners.checkDistinct(plain, dot, doh);
        Listeners.checkDistinct(plain, doq, List.of(), "listen.plain", "listen.doq", "(UDP)");
    }

    /** Two of dotgate's own listeners on one port would fail at bind with a message about another server. */
    private static final class Listeners {
        static void checkDistinct(List<InetSocketAddress> plain, List<InetSocketAddress> dot,
                List<InetSocketAddress> doh) {
            checkDistinct(plain, dot, doh, "listen.plain", "listen.dot", "listen.doh", "(TCP)");
        }

        /** No two of the addresses of the three lists (keys {@code names}) alike; {@code proto} for the message. */
        static void checkDistinct(List<InetSocketAddress> plain, List<InetSocketAddress> dot,
                List<InetSocketAddress> doh, String... names) {
            String[] keys = {names[0], names[1], names.length > 3 ? names[2] : ""};
            String proto = names[names.length - 1];
            List<List<InetSocketAddress>> lists = List.of(plain, dot, doh);
            for (int i = 0; i < 3; i++) {
                for (int a = 0; a < lists.get(i).size(); a++) {
                    InetSocketAddress x = lists.get(i).get(a);
                    for (int j = i; j < 3; j++) {
                        for (int b = j == i ? a + 1 : 0; b < lists.get(j).size(); b++) {
                            InetSocketAddress y = lists.get(j).get(b);
                            if (x.getPort() != 0 && x.equals(y)) {
                                throw ConfigException.of(keys[j], HostPort.format(y), "collides with "
                                        + HostPort.format(x) + " of " + keys[i] + ": two of dotgate's own listeners "
                                        + "cannot share an address and port " + proto + "; give each its own port");
                            }
                        }
                    }
                }
            }
        }
    }
}
