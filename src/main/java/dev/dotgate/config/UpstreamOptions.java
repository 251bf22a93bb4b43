package dev.dotgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the gateway talks to its upstreams ({@code [upstream]}).
 *
 * @param servers            upstream resolvers, chosen by {@code strategy} among those that are up
 * @param ca                 an extra CA (PEM) trusted for upstream certificates besides the system store; may be null
 * @param timeout            a query not answered within this gets SERVFAIL
 * @param poolSize           persistent connections per stream (tls/tcp) upstream
 * @param maxInflight        queries in flight on one upstream connection at most
 * @param idleTimeout        an upstream connection with nothing in flight for this long is closed
 * @param connectTimeout     TCP connect plus TLS handshake must finish within this
 * @param bootstrap          udp:// resolvers for upstream host names (empty: /etc/resolv.conf's)
 * @param strategy           fastest, round_robin, ordered or random
 * @param hedging            send a slow query to a second upstream too
 */
public record UpstreamOptions(
        @Setting(key = "upstream.servers", flag = "--upstream", label = "URI",
                dflt = "[\"tls://1.1.1.1#cloudflare-dns.com\", \"tls://9.9.9.9#dns.quad9.net\"]",
                doc = "`tls://HOST[:PORT]` (port 853), `https://HOST[:PORT][/PATH]` (443, `/dns-query`), "
                        + "`quic://HOST[:PORT]` (853), `udp://IP[:PORT]`, `tcp://IP[:PORT]` (53); HOST is a name "
                        + "(the TLS name; its addresses come from `upstream.bootstrap`) or an IP, with `#NAME` for "
                        + "the TLS name; options `?0x20=off` (`udp://`), `?ecs=forward`, `?method=GET` "
                        + "(`https://`), `?pin=BASE64`, `?pool_size=N`, `?timeout=D`, or an inline table "
                        + "`{ url = \"…\", pin_sha256 = [\"…\"], pool_size = 4, timeout = \"2s\", ecs = false, "
                        + "method = \"GET\" }`; see Upstreams")
        List<UpstreamSpec> servers,
        @Setting(key = "upstream.bootstrap", flag = "--bootstrap", label = "URI", shown = "the `nameserver`s of "
                + "/etc/resolv.conf", doc = "`udp://IP[:PORT]` resolvers that give the addresses of upstreams "
                + "named by host name (A and AAAA, again when their TTL runs out); never the gateway itself")
        List<UpstreamSpec> bootstrap,
        @Setting(key = "upstream.strategy", dflt = "\"fastest\"", doc = "which upstream a query goes to: "
                + "`fastest` (lowest smoothed round-trip time; idle ones probed now and then), `round_robin`, "
                + "`ordered` (the first that is up, in the given order), `random`")
        String strategy,
        @Setting(key = "upstream.hedging", dflt = "true", doc = "when the chosen upstream has not answered within "
                + "its usual time (smoothed RTT plus four deviations, 10 ms to a third of the timeout), send the "
                + "query to the next upstream too and take the first answer (with two or more upstreams)")
        boolean hedging,
        @Setting(key = "upstream.ca", flag = "--upstream-ca", label = "FILE", check = Setting.Check.FILE,
                restart = true, doc = "extra CA (PEM) trusted for upstream certificates, besides the system store")
        Path ca,
        @Setting(key = "upstream.timeout", flag = "--upstream-timeout", label = "DURATION", dflt = "\"3s\"",
                check = Setting.Check.POSITIVE, doc = "a query not answered within this gets SERVFAIL with its "
                        + "question echoed")
        Duration timeout,
        @Setting(key = "upstream.pool_size", dflt = "2", min = 1, max = 64,
                doc = "persistent connections per tls/tcp upstream")
        int poolSize,
        @Setting(key = "upstream.max_queries_per_connection", dflt = "1024", min = 1, max = 30_000,
                doc = "queries in flight on one upstream connection")
        int maxInflight,
        @Setting(key = "upstream.idle_timeout", dflt = "\"8s\"", check = Setting.Check.POSITIVE,
                doc = "an upstream connection idle this long is closed (public resolvers drop at about 10 s) and "
                        + "reopened on demand; sooner when the upstream's EDNS keepalive timeout is shorter")
        Duration idleTimeout,
        @Setting(key = "upstream.connect_timeout", dflt = "\"5s\"", check = Setting.Check.POSITIVE,
                doc = "TCP connect plus TLS handshake to an upstream")
        Duration connectTimeout) {
    /** The values of {@code upstream.strategy}. */
    public static final List<String> STRATEGIES = List.of("fastest", "round_robin", "ordered", "random");

    public UpstreamOptions {
        servers = List.copyOf(servers);
        bootstrap = List.copyOf(bootstrap);
        for (UpstreamSpec b : bootstrap) {
            if (b.protocol() != UpstreamSpec.Protocol.UDP || b.needsBootstrap()) {
                throw ConfigException.of("upstream.bootstrap", b, "is not a bootstrap resolver: use "
                        + "udp://IP[:PORT]");
            }
        }
        if (!STRATEGIES.contains(strategy)) {
            throw ConfigException.of("upstream.strategy", strategy, "is not a strategy (use fastest, "
                    + "round_robin, ordered or random)");
        }
        if (servers.isEmpty()) {
            throw new ConfigException("upstream.servers is empty: name at least one upstream (e.g. "
                    + "tls://1.1.1.1#cloudflare-dns.com)");
        }
    }
}
