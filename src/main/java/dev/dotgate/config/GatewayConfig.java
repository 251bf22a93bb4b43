package dev.dotgate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every setting of a running gateway, after the config file and flags were merged and checked.
 *
 * @param serverName the name the DoT certificate is issued for (besides localhost and the host name)
 * @param dataDir    where the generated CA and server certificate live
 * @param threads    event-loop threads; 0 means one per core
 */
public record GatewayConfig(ListenOptions listen, UpstreamOptions upstream, String serverName, Path dataDir,
        String logLevel, int threads) {

    /** The effective settings as a TOML document that {@code check-config} prints and the loader reads back. */
    public String toToml() {
        StringBuilder sb = new StringBuilder();
        sb.append("server_name = ").append(q(serverName)).append('\n');
        sb.append("data_dir = ").append(q(dataDir.toString())).append('\n');
        sb.append("log_level = ").append(q(logLevel)).append('\n');
        sb.append("threads = ").append(threads).append('\n');
        sb.append("\n[listen]\n");
        sb.append("plain = ").append(addresses(listen.plain())).append('\n');
        sb.append("dot = ").append(addresses(listen.dot())).append('\n');
        if (listen.cert() != null) {
            sb.append("cert = ").append(q(listen.cert().toString())).append('\n');
            sb.append("key = ").append(q(listen.key().toString())).append('\n');
        }
        sb.append("handshake_timeout = ").append(q(Durations.format(listen.handshakeTimeout()))).append('\n');
        sb.append("idle_timeout = ").append(q(Durations.format(listen.idleTimeout()))).append('\n');
        sb.append("write_timeout = ").append(q(Durations.format(listen.writeTimeout()))).append('\n');
        sb.append("max_connections = ").append(listen.maxConnections()).append('\n');
        sb.append("max_queries_per_connection = ").append(listen.maxInflightPerConnection()).append('\n');
        sb.append("max_udp_inflight = ").append(listen.maxUdpInflight()).append('\n');
        sb.append("\n[upstream]\n");
        sb.append("servers = ").append(upstream.servers().stream().map(s -> q(s.toString()))
                .collect(Collectors.joining(", ", "[", "]"))).append('\n');
        if (upstream.ca() != null) {
            sb.append("ca = ").append(q(upstream.ca().toString())).append('\n');
        }
        sb.append("timeout = ").append(q(Durations.format(upstream.timeout()))).append('\n');
        sb.append("pool_size = ").append(upstream.poolSize()).append('\n');
        sb.append("max_queries_per_connection = ").append(upstream.maxInflight()).append('\n');
        sb.append("idle_timeout = ").append(q(Durations.format(upstream.idleTimeout()))).append('\n');
        sb.append("connect_timeout = ").append(q(Durations.format(upstream.connectTimeout()))).append('\n');
        return sb.toString();
    }

    private static String addresses(List<InetSocketAddress> list) {
        return list.stream().map(a -> q(HostPort.format(a))).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String q(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

}
