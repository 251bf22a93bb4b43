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

/**
 * Builds a {@link GatewayConfig}: defaults, then the TOML file, then command-line flags. Every error names the
 * key (as written in the file, or the flag) and the value.
 */
public final class ConfigLoader {
    public static final List<String> DEFAULT_UPSTREAMS = List.of("tls://1.1.1.1#cloudflare-dns.com",
            "tls://9.9.9.9#dns.quad9.net");
    private static final Set<String> TOP = Set.of("server_name", "data_dir", "log_level", "threads", "listen",
            "upstream");
    private static final Set<String> LISTEN = Set.of("plain", "dot", "cert", "key", "handshake_timeout",
            "idle_timeout", "write_timeout", "max_connections", "max_queries_per_connection", "max_udp_inflight");
    private static final Set<String> UPSTREAM = Set.of("servers", "ca", "timeout", "pool_size",
            "max_queries_per_connection", "idle_timeout", "connect_timeout");
    private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

    /** Values from flags; null (or empty lists) where the flag was not given. */
    public record Overrides(List<String> listen, List<String> dotListen, List<String> upstreams, Path upstreamCa,
            Path cert, Path key, Path dataDir, String serverName, String upstreamTimeout, String logLevel) {
        public static Overrides none() {
            return new Overrides(List.of(), List.of(), List.of(), null, null, null, null, null, null, null);
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
    }

    private GatewayConfig build() throws ConfigException {
        List<InetSocketAddress> plainAddresses = addresses(plainKey, plain);
        List<InetSocketAddress> dotAddresses = addresses(dotKey, dot);
        if (plainAddresses.isEmpty() && dotAddresses.isEmpty()) {
            throw new ConfigException("listen.plain and listen.dot are both empty: the gateway would accept nothing");
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
        ListenOptions listen = new ListenOptions(plainAddresses, dotAddresses, certPath, keyPath,
                positive("listen.handshake_timeout", handshakeTimeout),
                positive("listen.idle_timeout", clientIdleTimeout),
                positive("listen.write_timeout", writeTimeout),
                (int) range("listen.max_connections", maxConnections, 1, 1_000_000),
                (int) range("listen.max_queries_per_connection", maxPerConnection, 1, 65_535),
                (int) range("listen.max_udp_inflight", maxUdpInflight, 1, 1_000_000));
        UpstreamOptions upstream = new UpstreamOptions(specs,
                upstreamCa == null ? null : readable("upstream.ca", upstreamCa),
                positive("upstream.timeout", upstreamTimeout),
                (int) range("upstream.pool_size", poolSize, 1, 64),
                (int) range("upstream.max_queries_per_connection", upstreamMaxPerConnection, 1, 30_000),
                positive("upstream.idle_timeout", upstreamIdleTimeout),
                positive("upstream.connect_timeout", connectTimeout));
        return new GatewayConfig(listen, upstream, name,
                dataDir != null ? Path.of(dataDir) : DataDirs.platformDefault(), level,
                (int) range("threads", threads, 0, 256));
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
        JsonNode v = node.get(key);
        if (v != null && !v.isObject()) {
            throw ConfigException.of(key, v.asText(), "must be a table ([" + key + "])");
        }
        return v;
    }

    private static String text(JsonNode node, String key, String dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.indexOf('.') + 1));
        if (v == null) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw ConfigException.of(key, v.toString(), "must be a string in quotes");
        }
        return v.asText();
    }

    private static long number(JsonNode node, String key, long dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.indexOf('.') + 1));
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw ConfigException.of(key, v.isTextual() ? v.asText() : v.toString(), "must be a whole number");
        }
        return v.asLong();
    }

    private static List<String> list(JsonNode node, String key, List<String> dflt) throws ConfigException {
        JsonNode v = node.get(key.substring(key.indexOf('.') + 1));
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
