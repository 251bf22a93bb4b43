package dev.dotgate.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import dev.dotgate.cache.CacheOptions;
import dev.dotgate.policy.AccessList;
import dev.dotgate.policy.BlockMode;
import dev.dotgate.policy.local.LocalRecordException;
import dev.dotgate.policy.local.LocalRecords;

/**
 * Builds a {@link GatewayConfig}: defaults, then the TOML file, then command-line flags. Every error names the
 * key (as written in the file, or the flag) and the value.
 */
public final class ConfigLoader {
    public static final List<String> DEFAULT_UPSTREAMS = List.of("tls://1.1.1.1#cloudflare-dns.com",
            "tls://9.9.9.9#dns.quad9.net");
    private static final Set<String> TOP = Set.of("server_name", "data_dir", "log_level", "threads", "listen",
            "upstream", "policy", "forward", "acl", "cache", "events", "metrics", "proxy_protocol", "limits");
    private static final Set<String> PROXY_PROTOCOL = Set.of("trusted");
    private static final Set<String> POLICY = Set.of("allowlist", "blocklists", "exceptions", "block_mode",
            "block_ttl", "lists_refresh", "local");
    private static final Set<String> FORWARD = Set.of("zone", "servers");
    private static final Set<String> ACL = Set.of("plain", "dot");
    private static final Set<String> ACL_LIST = Set.of("allow", "deny");
    private static final Set<String> CACHE = Set.of("enabled", "max_entries", "min_ttl", "max_ttl",
            "negative_max_ttl", "stale_window", "prefetch", "prefetch_min_hits");
    private static final Set<String> EVENTS = Set.of("sink", "queue");
    private static final Set<String> METRICS = Set.of("listen");
    private static final Set<String> LISTEN = Set.of("plain", "dot", "doh", "cert", "key", "handshake_timeout",
            "idle_timeout", "write_timeout", "max_connections", "max_queries_per_connection", "max_udp_inflight");
    private static final Set<String> UPSTREAM = Set.of("servers", "ca", "timeout", "pool_size",
            "max_queries_per_connection", "idle_timeout", "connect_timeout");
    private static final Set<String> LIMITS = Set.of("client_prefix_v4", "client_prefix_v6", "exempt",
            "max_connections_per_client", "max_inflight_per_client", "query_rate", "query_burst", "max_query_size",
            "max_client_hello", "frame_timeout", "max_buffered_bytes", "udp_answer_size", "upstream_udp_size",
            "rrl_rate", "rrl_slip");
    private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

    /** Values from flags; null (or empty lists) where the flag was not given. */
    public record Overrides(List<String> listen, List<String> dotListen, List<String> upstreams, Path upstreamCa,
            Path cert, Path key, Path dataDir, String serverName, String upstreamTimeout, String logLevel,
            Path allowlist, List<String> blocklists, boolean noCache, String events, String metricsListen,
            List<String> dohListen, List<String> proxyTrusted) {
        /** Without {@code --doh-listen} and {@code --proxy-trusted}. */
        public Overrides(List<String> listen, List<String> dotListen, List<String> upstreams, Path upstreamCa,
                Path cert, Path key, Path dataDir, String serverName, String upstreamTimeout, String logLevel,
                Path allowlist, List<String> blocklists, boolean noCache, String events, String metricsListen) {
            this(listen, dotListen, upstreams, upstreamCa, cert, key, dataDir, serverName, upstreamTimeout, logLevel,
                    allowlist, blocklists, noCache, events, metricsListen, List.of(), List.of());
        }

        public static Overrides none() {
            return new Overrides(List.of(), List.of(), List.of(), null, null, null, null, null, null, null, null,
                    List.of(), false, null, null, List.of(), List.of());
        }

        /** Only the addresses, upstreams and directories: what a test gateway needs. */
        public static Overrides basic(List<String> listen, List<String> dotListen, List<String> upstreams,
                Path upstreamCa, Path dataDir, String serverName, String upstreamTimeout) {
            return new Overrides(listen, dotListen, upstreams, upstreamCa, null, null, dataDir, serverName,
                    upstreamTimeout, null, null, List.of(), false, null, null, List.of(), List.of());
        }
    }

    // Settings as strings/values before checking; defaults first.
    private String serverName;
    private String dataDir;
    private String logLevel = "info";
    private long threads = 0;
    private List<String> plain = List.of("127.0.0.1:53");
    private List<String> dot = List.of("127.0.0.1:853");
    private String cert;
    private String key;
    private String handshakeTimeout = "10s";
    private String clientIdleTimeout = "30s";
    private String writeTimeout = "10s";
    private long maxConnections = 1024;
    private long maxPerConnection = 128;
    private long maxUdpInflight = 8192;
    private List<String> servers = DEFAULT_UPSTREAMS;
    private String upstreamCa;
    private String upstreamTimeout = "3s";
    private long poolSize = 2;
    private long upstreamMaxPerConnection = 1024;
    private String upstreamIdleTimeout = "8s";
    private String connectTimeout = "5s";
    private String plainKey = "listen.plain"; // the flag instead, when the flag gave the value
    private String dotKey = "listen.dot";
    private List<String> doh = List.of();
    private String dohKey = "listen.doh";
    private String allowlist;
    private String allowlistKey = "policy.allowlist";
    private List<String> blocklists = List.of();
    private List<String> exceptions = List.of();
    private String blockMode = "nxdomain";
    private String blockTtl = "60s";
    private String listsRefresh = "24h";
    private List<String> local = List.of();
    private final List<String[]> forwardZones = new ArrayList<>(); // {zone, key prefix}
    private final List<List<String>> forwardServers = new ArrayList<>();
    private List<String> plainAllow = AccessList.PRIVATE;
    private List<String> plainDeny = List.of();
    private List<String> dotAllow = AccessList.PRIVATE;
    private List<String> dotDeny = List.of();
    private boolean cacheEnabled = true;
    private long cacheEntries = 100_000;
    private String minTtl = "0s";
    private String maxTtl = "1d";
    private String negativeMaxTtl = "1h";
    private String staleWindow = "1d";
    private boolean prefetch = true;
    private long prefetchMinHits = 2;
    private String events = "off";
    private long eventsQueue = 65_536;
    private String metricsListen;
    private String metricsKey = "metrics.listen";
    private List<String> proxyTrusted = List.of();
    private String proxyKey = "proxy_protocol.trusted";
    private final LimitsOptions limitDefaults = LimitsOptions.defaults();
    private long prefixV4 = limitDefaults.clientPrefixV4();
    private long prefixV6 = limitDefaults.clientPrefixV6();
    private List<String> exempt = limitDefaults.exempt();
    private long connectionsPerClient = limitDefaults.maxConnectionsPerClient();
    private long inflightPerClient = limitDefaults.maxInflightPerClient();
    private long queryRate = limitDefaults.queryRate();
    private long queryBurst = limitDefaults.queryBurst();
    private long maxQuerySize = limitDefaults.maxQuerySize();
    private long maxClientHello = limitDefaults.maxClientHello();
    private String frameTimeout = Durations.format(limitDefaults.frameTimeout());
    private long maxBufferedBytes = limitDefaults.maxBufferedBytes();
    private long udpAnswerSize = limitDefaults.udpAnswerSize();
    private long upstreamUdpSize = limitDefaults.upstreamUdpSize();
    private long rrlRate = limitDefaults.rrlRate();
    private long rrlSlip = limitDefaults.rrlSlip();

    private ConfigLoader() {
    }

    public static GatewayConfig load(Path file, Overrides flags) throws ConfigException {
        ConfigLoader l = new ConfigLoader();
        if (file != null) {
            l.readFile(file);
        }
        l.apply(flags);
        return l.build();
    }

    private void readFile(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such config file");
        } catch (JacksonException e) {
            throw new ConfigException(file + ": not valid TOML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        if (root == null) {
            return;
        }
        checkKeys(root, "", TOP);
        serverName = text(root, "server_name", serverName);
        dataDir = text(root, "data_dir", dataDir);
        logLevel = text(root, "log_level", logLevel);
        threads = number(root, "threads", threads);
        JsonNode listen = table(root, "listen");
        if (listen != null) {
            checkKeys(listen, "listen.", LISTEN);
            plain = list(listen, "listen.plain", plain);
            dot = list(listen, "listen.dot", dot);
            doh = list(listen, "listen.doh", doh);
            cert = text(listen, "listen.cert", cert);
            key = text(listen, "listen.key", key);
            handshakeTimeout = text(listen, "listen.handshake_timeout", handshakeTimeout);
            clientIdleTimeout = text(listen, "listen.idle_timeout", clientIdleTimeout);
            writeTimeout = text(listen, "listen.write_timeout", writeTimeout);
            maxConnections = number(listen, "listen.max_connections", maxConnections);
            maxPerConnection = number(listen, "listen.max_queries_per_connection", maxPerConnection);
            maxUdpInflight = number(listen, "listen.max_udp_inflight", maxUdpInflight);
        }
        JsonNode up = table(root, "upstream");
        if (up != null) {
            checkKeys(up, "upstream.", UPSTREAM);
            servers = list(up, "upstream.servers", servers);
            upstreamCa = text(up, "upstream.ca", upstreamCa);
            upstreamTimeout = text(up, "upstream.timeout", upstreamTimeout);
            poolSize = number(up, "upstream.pool_size", poolSize);
            upstreamMaxPerConnection = number(up, "upstream.max_queries_per_connection", upstreamMaxPerConnection);
            upstreamIdleTimeout = text(up, "upstream.idle_timeout", upstreamIdleTimeout);
            connectTimeout = text(up, "upstream.connect_timeout", connectTimeout);
        }
        JsonNode policy = table(root, "policy");
        if (policy != null) {
            checkKeys(policy, "policy.", POLICY);
            allowlist = text(policy, "policy.allowlist", allowlist);
            blocklists = list(policy, "policy.blocklists", blocklists);
            exceptions = list(policy, "policy.exceptions", exceptions);
            blockMode = text(policy, "policy.block_mode", blockMode);
            blockTtl = text(policy, "policy.block_ttl", blockTtl);
            listsRefresh = text(policy, "policy.lists_refresh", listsRefresh);
            local = list(policy, "policy.local", local);
        }
        JsonNode forward = root.get("forward");
        if (forward != null) {
            if (!forward.isArray()) {
                throw ConfigException.of("forward", forward.toString(),
                        "must be an array of tables: [[forward]] with zone = \"...\" and servers = [...]");
            }
            int i = 0;
            for (JsonNode zone : forward) {
                String prefix = "forward[" + i++ + "].";
                if (!zone.isObject()) {
                    throw ConfigException.of(prefix.substring(0, prefix.length() - 1), zone.toString(),
                            "must be a table with zone and servers");
                }
                checkKeys(zone, prefix, FORWARD);
                String name = text(zone, prefix + "zone", null);
                List<String> servers = list(zone, prefix + "servers", List.of());
                if (name == null || servers.isEmpty()) {
                    throw new ConfigException(prefix + (name == null ? "zone" : "servers")
                            + ": missing; each [[forward]] needs zone = \"corp.example\" and servers = [\"tls://...\"]");
                }
                forwardZones.add(new String[] {name, prefix});
                forwardServers.add(servers);
            }
        }
        JsonNode acl = table(root, "acl");
        if (acl != null) {
            checkKeys(acl, "acl.", ACL);
            JsonNode p = table(acl, "acl.plain");
            if (p != null) {
                checkKeys(p, "acl.plain.", ACL_LIST);
                plainAllow = list(p, "acl.plain.allow", plainAllow);
                plainDeny = list(p, "acl.plain.deny", plainDeny);
            }
            JsonNode d = table(acl, "acl.dot");
            if (d != null) {
                checkKeys(d, "acl.dot.", ACL_LIST);
                dotAllow = list(d, "acl.dot.allow", dotAllow);
                dotDeny = list(d, "acl.dot.deny", dotDeny);
            }
        }
        JsonNode cache = table(root, "cache");
        if (cache != null) {
            checkKeys(cache, "cache.", CACHE);
            cacheEnabled = bool(cache, "cache.enabled", cacheEnabled);
            cacheEntries = number(cache, "cache.max_entries", cacheEntries);
            minTtl = text(cache, "cache.min_ttl", minTtl);
            maxTtl = text(cache, "cache.max_ttl", maxTtl);
            negativeMaxTtl = text(cache, "cache.negative_max_ttl", negativeMaxTtl);
            staleWindow = text(cache, "cache.stale_window", staleWindow);
            prefetch = bool(cache, "cache.prefetch", prefetch);
            prefetchMinHits = number(cache, "cache.prefetch_min_hits", prefetchMinHits);
        }
        JsonNode ev = table(root, "events");
        if (ev != null) {
            checkKeys(ev, "events.", EVENTS);
            events = text(ev, "events.sink", events);
            eventsQueue = number(ev, "events.queue", eventsQueue);
        }
        JsonNode metrics = table(root, "metrics");
        if (metrics != null) {
            checkKeys(metrics, "metrics.", METRICS);
            metricsListen = text(metrics, "metrics.listen", metricsListen);
        }
        JsonNode proxy = table(root, "proxy_protocol");
        if (proxy != null) {
            checkKeys(proxy, "proxy_protocol.", PROXY_PROTOCOL);
            proxyTrusted = list(proxy, "proxy_protocol.trusted", proxyTrusted);
        }
        JsonNode limits = table(root, "limits");
        if (limits != null) {
            checkKeys(limits, "limits.", LIMITS);
            prefixV4 = number(limits, "limits.client_prefix_v4", prefixV4);
            prefixV6 = number(limits, "limits.client_prefix_v6", prefixV6);
            exempt = list(limits, "limits.exempt", exempt);
            connectionsPerClient = number(limits, "limits.max_connections_per_client", connectionsPerClient);
            inflightPerClient = number(limits, "limits.max_inflight_per_client", inflightPerClient);
            queryRate = number(limits, "limits.query_rate", queryRate);
            queryBurst = number(limits, "limits.query_burst", queryBurst);
            maxQuerySize = number(limits, "limits.max_query_size", maxQuerySize);
            maxClientHello = number(limits, "limits.max_client_hello", maxClientHello);
            frameTimeout = text(limits, "limits.frame_timeout", frameTimeout);
            maxBufferedBytes = number(limits, "limits.max_buffered_bytes", maxBufferedBytes);
            udpAnswerSize = number(limits, "limits.udp_answer_size", udpAnswerSize);
            upstreamUdpSize = number(limits, "limits.upstream_udp_size", upstreamUdpSize);
            rrlRate = number(limits, "limits.rrl_rate", rrlRate);
            rrlSlip = number(limits, "limits.rrl_slip", rrlSlip);
        }
    }

    private void apply(Overrides o) {
        if (!o.listen().isEmpty()) {
            plain = o.listen();
            plainKey = "--listen";
        }
        if (!o.dotListen().isEmpty()) {
            dot = o.dotListen();
            dotKey = "--dot-listen";
        }
        if (!o.dohListen().isEmpty()) {
            doh = o.dohListen();
            dohKey = "--doh-listen";
        }
        if (!o.upstreams().isEmpty()) {
            servers = o.upstreams();
        }
        upstreamCa = o.upstreamCa() != null ? o.upstreamCa().toString() : upstreamCa;
        cert = o.cert() != null ? o.cert().toString() : cert;
        key = o.key() != null ? o.key().toString() : key;
        dataDir = o.dataDir() != null ? o.dataDir().toString() : dataDir;
        serverName = o.serverName() != null ? o.serverName() : serverName;
        upstreamTimeout = o.upstreamTimeout() != null ? o.upstreamTimeout() : upstreamTimeout;
        logLevel = o.logLevel() != null ? o.logLevel() : logLevel;
        if (o.allowlist() != null) {
            allowlist = o.allowlist().toString();
            allowlistKey = "--allowlist";
        }
        if (!o.blocklists().isEmpty()) {
            blocklists = o.blocklists();
        }
        cacheEnabled = cacheEnabled && !o.noCache();
        events = o.events() != null ? o.events() : events;
        if (o.metricsListen() != null) {
            metricsListen = o.metricsListen();
            metricsKey = "--metrics-listen";
        }
        if (!o.proxyTrusted().isEmpty()) {
            proxyTrusted = o.proxyTrusted();
            proxyKey = "--proxy-trusted";
        }
    }

    private GatewayConfig build() throws ConfigException {
        List<InetSocketAddress> plainAddresses = addresses(plainKey, plain);
        List<InetSocketAddress> dotAddresses = addresses(dotKey, dot);
        List<InetSocketAddress> dohAddresses = addresses(dohKey, doh);
        if (plainAddresses.isEmpty() && dotAddresses.isEmpty() && dohAddresses.isEmpty()) {
            throw new ConfigException("listen.plain, listen.dot and listen.doh are all empty: the gateway would accept nothing");
        }
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? "listen.key is set without listen.cert (--cert): give both or neither"
                    : "listen.cert is set without listen.key (--key): give both or neither");
        }
        Path certPath = cert == null ? null : readable("listen.cert", cert);
        Path keyPath = key == null ? null : readable("listen.key", key);
        List<UpstreamSpec> specs = new ArrayList<>();
        for (String s : servers) {
            specs.add(UpstreamSpec.parse("upstream.servers", s));
        }
        if (specs.isEmpty()) {
            throw new ConfigException("upstream.servers is empty: name at least one upstream (e.g. tls://1.1.1.1#cloudflare-dns.com)");
        }
        String level = logLevel.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw ConfigException.of("log_level", logLevel, "is not a log level (use error, warn, info, debug or trace)");
        }
        String name = serverName != null ? serverName.toLowerCase(Locale.ROOT) : defaultServerName();
        if (!name.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
            throw ConfigException.of("server_name", serverName, "is not a valid host name");
        }
        ListenOptions listen = new ListenOptions(plainAddresses, dotAddresses, dohAddresses, certPath, keyPath,
                positive("listen.handshake_timeout", handshakeTimeout),
                positive("listen.idle_timeout", clientIdleTimeout),
                positive("listen.write_timeout", writeTimeout),
                (int) range("listen.max_connections", maxConnections, 1, 1_000_000),
                (int) range("listen.max_queries_per_connection", maxPerConnection, 1, 65_535),
                (int) range("listen.max_udp_inflight", maxUdpInflight, 1, 1_000_000), proxyTrusted());
        UpstreamOptions upstream = new UpstreamOptions(specs,
                upstreamCa == null ? null : readable("upstream.ca", upstreamCa),
                positive("upstream.timeout", upstreamTimeout),
                (int) range("upstream.pool_size", poolSize, 1, 64),
                (int) range("upstream.max_queries_per_connection", upstreamMaxPerConnection, 1, 30_000),
                positive("upstream.idle_timeout", upstreamIdleTimeout),
                positive("upstream.connect_timeout", connectTimeout));
        return new GatewayConfig(listen, upstream, name,
                dataDir != null ? Path.of(dataDir) : DataDirs.platformDefault(), level,
                (int) range("threads", threads, 0, 256), policy(), forwards(), cache(), observe(), limits());
    }

    private LimitsOptions limits() throws ConfigException {
        try {
            AccessList.ranges("limits.exempt", exempt);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        int burst = (int) range("limits.query_burst", queryBurst, 1, 10_000_000);
        int rate = (int) range("limits.query_rate", queryRate, 0, 10_000_000);
        if (rate > 0 && burst < rate / 10) {
            throw ConfigException.of("limits.query_burst", queryBurst, "is below a tenth of limits.query_rate ("
                    + queryRate + "): a client could never send a second's queries in a burst of a tenth of one");
        }
        return new LimitsOptions((int) range("limits.client_prefix_v4", prefixV4, 8, 32),
                (int) range("limits.client_prefix_v6", prefixV6, 16, 128), exempt,
                (int) range("limits.max_connections_per_client", connectionsPerClient, 1, 1_000_000),
                (int) range("limits.max_inflight_per_client", inflightPerClient, 1, 1_000_000), rate, burst,
                (int) range("limits.max_query_size", maxQuerySize, 512, 65_535),
                (int) range("limits.max_client_hello", maxClientHello, 1024, 65_536),
                positive("limits.frame_timeout", frameTimeout),
                range("limits.max_buffered_bytes", maxBufferedBytes, LimitsOptions.MIN_BUFFERED_BYTES, 1L << 40),
                (int) range("limits.udp_answer_size", udpAnswerSize, 512, 65_535),
                (int) range("limits.upstream_udp_size", upstreamUdpSize, 512, 65_535),
                (int) range("limits.rrl_rate", rrlRate, 0, 10_000_000),
                (int) range("limits.rrl_slip", rrlSlip, 0, 10));
    }

    private PolicyOptions policy() throws ConfigException {
        Path allow = allowlist == null ? null : readable(allowlistKey, allowlist);
        for (String key : List.of("policy.blocklists", "policy.exceptions")) {
            for (String source : key.endsWith("blocklists") ? blocklists : exceptions) {
                String lower = source.toLowerCase(Locale.ROOT);
                if (lower.startsWith("http://") || lower.startsWith("https://")) {
                    try {
                        java.net.URI uri = new java.net.URI(source);
                        if (uri.getHost() == null) {
                            throw ConfigException.of(key, source, "is not a URL with a host");
                        }
                    } catch (java.net.URISyntaxException e) {
                        throw ConfigException.of(key, source, "is not a valid URL: " + e.getReason());
                    }
                } else if (lower.contains("://")) {
                    throw ConfigException.of(key, source, "must be a file path or an http:// or https:// URL");
                } else {
                    readable(key, source);
                }
            }
        }
        BlockMode mode;
        try {
            mode = BlockMode.valueOf(blockMode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ConfigException.of("policy.block_mode", blockMode, "is not a block mode (use nxdomain, refused or null)");
        }
        Duration ttl = Durations.parse("policy.block_ttl", blockTtl);
        if (ttl.toSeconds() > 86_400) {
            throw ConfigException.of("policy.block_ttl", blockTtl, "is longer than a day");
        }
        try {
            LocalRecords.parse(local);
        } catch (LocalRecordException e) {
            throw new ConfigException("policy.local" + e.getMessage());
        }
        for (String[] acl : new String[][] {{"acl.plain", "p"}, {"acl.dot", "d"}}) {
            try {
                boolean plainList = acl[1].equals("p");
                AccessList.of(acl[0], plainList ? plainAllow : dotAllow, plainList ? plainDeny : dotDeny);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        return new PolicyOptions(allow, List.copyOf(blocklists), List.copyOf(exceptions), mode, ttl,
                positive("policy.lists_refresh", listsRefresh), List.copyOf(local), List.copyOf(plainAllow),
                List.copyOf(plainDeny), List.copyOf(dotAllow), List.copyOf(dotDeny));
    }

    private List<String> proxyTrusted() throws ConfigException {
        try {
            AccessList.ranges(proxyKey, proxyTrusted);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        return List.copyOf(proxyTrusted);
    }

    private List<ForwardZone> forwards() throws ConfigException {
        List<ForwardZone> out = new ArrayList<>();
        for (int i = 0; i < forwardZones.size(); i++) {
            String zone = forwardZones.get(i)[0];
            String prefix = forwardZones.get(i)[1];
            String normal = zone.endsWith(".") && zone.length() > 1 ? zone.substring(0, zone.length() - 1) : zone;
            normal = normal.toLowerCase(Locale.ROOT);
            if (normal.length() > 253
                    || !normal.matches("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*")) {
                throw ConfigException.of(prefix + "zone", zone, "is not a domain name");
            }
            List<UpstreamSpec> specs = new ArrayList<>();
            for (String s : forwardServers.get(i)) {
                specs.add(UpstreamSpec.parse(prefix + "servers", s));
            }
            out.add(new ForwardZone(normal, List.copyOf(specs)));
        }
        return out;
    }

    private CacheOptions cache() throws ConfigException {
        Duration min = seconds("cache.min_ttl", minTtl);
        Duration max = seconds("cache.max_ttl", maxTtl);
        if (max.isZero()) {
            throw ConfigException.of("cache.max_ttl", maxTtl, "must be at least 1s (to turn the cache off, set "
                    + "cache.enabled = false)");
        }
        if (min.compareTo(max) > 0) {
            throw ConfigException.of("cache.min_ttl", minTtl, "is longer than cache.max_ttl (" + maxTtl + ")");
        }
        CacheOptions d = CacheOptions.defaults();
        return new CacheOptions(cacheEnabled, (int) range("cache.max_entries", cacheEntries, 1, 100_000_000), min,
                max, seconds("cache.negative_max_ttl", negativeMaxTtl),
                seconds("cache.stale_window", staleWindow), d.staleTtl(),
                prefetch ? d.prefetchThreshold() : 0,
                (int) range("cache.prefetch_min_hits", prefetchMinHits, 1, 1_000_000));
    }

    /** A cache duration: whole seconds, at most a year (DNS TTLs are 32-bit seconds; longer makes no sense). */
    private static Duration seconds(String key, String value) throws ConfigException {
        Duration d = Durations.parse(key, value);
        if (d.toMillis() % 1000 != 0) {
            throw ConfigException.of(key, value, "must be whole seconds (TTLs are counted in seconds)");
        }
        if (d.compareTo(Duration.ofDays(365)) > 0) {
            throw ConfigException.of(key, value, "is longer than a year");
        }
        return d;
    }

    private ObserveOptions observe() throws ConfigException {
        if (events.isBlank()) {
            throw ConfigException.of("events.sink", events, "is empty (use off, stdout or a file path)");
        }
        InetSocketAddress metrics = metricsListen == null || metricsListen.isBlank() || metricsListen.equals("off")
                ? null : HostPort.parse(metricsKey, metricsListen, 9153, false);
        return new ObserveOptions(events, (int) range("events.queue", eventsQueue, 16, 10_000_000), metrics);
    }

    private static boolean bool(JsonNode node, String key, boolean dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.lastIndexOf('.') + 1));
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw ConfigException.of(key, v.isTextual() ? v.asText() : v.toString(), "must be true or false");
        }
        return v.asBoolean();
    }

    private static String defaultServerName() {
        List<String> names = dev.dotgate.tls.ServerIdentity.defaultNames();
        return names.isEmpty() ? "localhost" : names.get(0);
    }

    private static List<InetSocketAddress> addresses(String key, List<String> values) throws ConfigException {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String v : values) {
            out.add(HostPort.parse(key, v, 0, false));
        }
        return out;
    }

    private static Path readable(String key, String value) throws ConfigException {
        Path p = Path.of(value);
        if (!Files.isReadable(p)) {
            throw ConfigException.of(key, value, "is not a readable file");
        }
        return p;
    }

    private static Duration positive(String key, String value) throws ConfigException {
        Duration d = Durations.parse(key, value);
        if (d.isZero()) {
            throw ConfigException.of(key, value, "must be longer than zero");
        }
        return d;
    }

    private static long range(String key, long value, long min, long max) throws ConfigException {
        if (value < min || value > max) {
            throw ConfigException.of(key, value, "is outside " + min + "-" + max);
        }
        return value;
    }

    private static void checkKeys(JsonNode node, String prefix, Set<String> known) throws ConfigException {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            String k = it.next().getKey();
            if (!known.contains(k)) {
                throw new ConfigException(prefix + k + ": unknown setting (known here: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static JsonNode table(JsonNode node, String key) throws ConfigException {
        JsonNode v = node.get(key.substring(key.lastIndexOf('.') + 1));
        if (v != null && !v.isObject()) {
            throw ConfigException.of(key, v.asText(), "must be a table ([" + key + "])");
        }
        return v;
    }

    private static String text(JsonNode node, String key, String dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.lastIndexOf('.') + 1));
        if (v == null) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw ConfigException.of(key, v.toString(), "must be a string in quotes");
        }
        return v.asText();
    }

    private static long number(JsonNode node, String key, long dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.lastIndexOf('.') + 1));
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw ConfigException.of(key, v.isTextual() ? v.asText() : v.toString(), "must be a whole number");
        }
        return v.asLong();
    }

    private static List<String> list(JsonNode node, String key, List<String> dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.lastIndexOf('.') + 1));
        if (v == null) {
            return dflt;
        }
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        if (!v.isArray()) {
            throw ConfigException.of(key, v.toString(), "must be a list of strings, e.g. [\"127.0.0.1:53\"]");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw ConfigException.of(key, e.toString(), "must be a string in quotes");
            }
            out.add(e.asText());
        }
        return out;
    }
}
