package dev.dotgate.config;

import java.net.InetSocketAddress;
import dev.dotgate.cache.CacheOptions;
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
 * @param forwards   conditional forwarding zones, most specific match wins
 */
public record GatewayConfig(ListenOptions listen, UpstreamOptions upstream, String serverName, Path dataDir,
        String logLevel, int threads, PolicyOptions policy, List<ForwardZone> forwards, CacheOptions cache,
        ObserveOptions observe, LimitsOptions limits) {

    /** With the default {@link LimitsOptions}. */
    public GatewayConfig(ListenOptions listen, UpstreamOptions upstream, String serverName, Path dataDir,
            String logLevel, int threads, PolicyOptions policy, List<ForwardZone> forwards, CacheOptions cache,
            ObserveOptions observe) {
        this(listen, upstream, serverName, dataDir, logLevel, threads, policy, forwards, cache, observe,
                LimitsOptions.defaults());
    }

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
        sb.append("doh = ").append(addresses(listen.doh())).append('\n');
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
        sb.append("\n[policy]\n");
        if (policy.allowlist() != null) {
            sb.append("allowlist = ").append(q(policy.allowlist().toString())).append('\n');
        }
        sb.append("blocklists = ").append(strings(policy.blocklists())).append('\n');
        sb.append("exceptions = ").append(strings(policy.exceptions())).append('\n');
        sb.append("block_mode = ").append(q(policy.blockMode().configName())).append('\n');
        sb.append("block_ttl = ").append(q(Durations.format(policy.blockTtl()))).append('\n');
        sb.append("lists_refresh = ").append(q(Durations.format(policy.listsRefresh()))).append('\n');
        sb.append("local = ").append(strings(policy.local())).append('\n');
        for (ForwardZone z : forwards) {
            sb.append("\n[[forward]]\n");
            sb.append("zone = ").append(q(z.zone())).append('\n');
            sb.append("servers = ").append(strings(z.servers().stream().map(UpstreamSpec::toString).toList()))
                    .append('\n');
        }
        sb.append("\n[acl.plain]\n");
        sb.append("allow = ").append(strings(policy.plainAllow())).append('\n');
        sb.append("deny = ").append(strings(policy.plainDeny())).append('\n');
        sb.append("\n[acl.dot]\n");
        sb.append("allow = ").append(strings(policy.dotAllow())).append('\n');
        sb.append("deny = ").append(strings(policy.dotDeny())).append('\n');
        sb.append("\n[cache]\n");
        sb.append("enabled = ").append(cache.enabled()).append('\n');
        sb.append("max_entries = ").append(cache.maxEntries()).append('\n');
        sb.append("min_ttl = ").append(q(Durations.format(cache.minTtl()))).append('\n');
        sb.append("max_ttl = ").append(q(Durations.format(cache.maxTtl()))).append('\n');
        sb.append("negative_max_ttl = ").append(q(Durations.format(cache.negativeMaxTtl()))).append('\n');
        sb.append("stale_window = ").append(q(Durations.format(cache.staleWindow()))).append('\n');
        sb.append("prefetch = ").append(cache.prefetchThreshold() > 0).append('\n');
        sb.append("prefetch_min_hits = ").append(cache.prefetchMinHits()).append('\n');
        sb.append("\n[events]\n");
        sb.append("sink = ").append(q(observe.events())).append('\n');
        sb.append("queue = ").append(observe.eventsQueue()).append('\n');
        sb.append("\n[metrics]\n");
        sb.append("listen = ").append(q(observe.metricsListen() == null ? "off"
                : HostPort.format(observe.metricsListen()))).append('\n');
        sb.append("\n[proxy_protocol]\n");
        sb.append("trusted = ").append(strings(listen.proxyTrusted())).append('\n');
        sb.append("\n[limits]\n");
        sb.append("client_prefix_v4 = ").append(limits.clientPrefixV4()).append('\n');
        sb.append("client_prefix_v6 = ").append(limits.clientPrefixV6()).append('\n');
        sb.append("exempt = ").append(strings(limits.exempt())).append('\n');
        sb.append("max_connections_per_client = ").append(limits.maxConnectionsPerClient()).append('\n');
        sb.append("max_inflight_per_client = ").append(limits.maxInflightPerClient()).append('\n');
        sb.append("query_rate = ").append(limits.queryRate()).append('\n');
        sb.append("query_burst = ").append(limits.queryBurst()).append('\n');
        sb.append("max_query_size = ").append(limits.maxQuerySize()).append('\n');
        sb.append("max_client_hello = ").append(limits.maxClientHello()).append('\n');
        sb.append("frame_timeout = ").append(q(Durations.format(limits.frameTimeout()))).append('\n');
        sb.append("max_buffered_bytes = ").append(limits.maxBufferedBytes()).append('\n');
        sb.append("udp_answer_size = ").append(limits.udpAnswerSize()).append('\n');
        sb.append("upstream_udp_size = ").append(limits.upstreamUdpSize()).append('\n');
        sb.append("rrl_rate = ").append(limits.rrlRate()).append('\n');
        sb.append("rrl_slip = ").append(limits.rrlSlip()).append('\n');
        return sb.toString();
    }

    private static String addresses(List<InetSocketAddress> list) {
        return list.stream().map(a -> q(HostPort.format(a))).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String strings(List<String> list) {
        return list.stream().map(GatewayConfig::q).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String q(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

}
