package dev.dotgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the gateway talks to its upstreams ({@code [upstream]}).
 *
 * @param servers            upstream resolvers, tried round robin among those that are up
 * @param ca                 an extra CA (PEM) trusted for upstream certificates besides the system store; may be null
 * @param timeout            a query not answered within this gets SERVFAIL
 * @param poolSize           persistent connections per stream (tls/tcp) upstream
 * @param maxInflight        queries in flight on one upstream connection at most
 * @param idleTimeout        an upstream connection with nothing in flight for this long is closed
 * @param connectTimeout     TCP connect plus TLS handshake must finish within this
 */
public record UpstreamOptions(
        @Setting(key = "upstream.servers", flag = "--upstream", label = "URI",
                dflt = "[\"tls://1.1.1.1#cloudflare-dns.com\", \"tls://9.9.9.9#dns.quad9.net\"]",
                doc = "`tls://IP[:PORT][#AUTH_NAME]` (port 853; AUTH_NAME is sent as SNI and checked in the "
                        + "certificate, the IP is checked when it is absent), `udp://IP[:PORT]`, `tcp://IP[:PORT]` "
                        + "(port 53); options before `#`: `?0x20=off` (`udp://` only: keep the letter case), "
                        + "`?ecs=forward` (pass the client's subnet on); see Limits and abuse")
        List<UpstreamSpec> servers,
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

    public UpstreamOptions {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new ConfigException("upstream.servers is empty: name at least one upstream (e.g. "
                    + "tls://1.1.1.1#cloudflare-dns.com)");
        }
    }
}
