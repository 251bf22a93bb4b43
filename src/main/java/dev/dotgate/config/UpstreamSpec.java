package dev.dotgate.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One upstream resolver, as a URI:
 * <ul>
 * <li>{@code tls://HOST[:PORT][?OPTIONS][#NAME]}: DNS-over-TLS (RFC 7858), port 853;</li>
 * <li>{@code https://HOST[:PORT][/PATH][?OPTIONS][#NAME]}: DNS-over-HTTPS (RFC 8484), port 443, path
 *     {@code /dns-query}; a trailing URI template {@code {?dns}} as providers publish it is accepted;</li>
 * <li>{@code quic://HOST[:PORT][?OPTIONS][#NAME]}: DNS-over-QUIC (RFC 9250), UDP port 853;</li>
 * <li>{@code udp://IP[:PORT][?OPTIONS]} and {@code tcp://IP[:PORT][?OPTIONS]}: plain DNS, port 53.</li>
 * </ul>
 * HOST is an IP literal (IPv6 in brackets) or, for the encrypted kinds, a host name: the name is then the TLS name
 * (SNI and the certificate check) and its addresses come from the bootstrap resolvers ({@link #needsBootstrap}).
 * With an IP, {@code #NAME} gives the TLS name; without it the certificate must carry the IP. Plain upstreams take
 * IPs only: nothing would prove a name's answer came from the server meant.
 *
 * <p>OPTIONS are {@code key=value} pairs joined by {@code &}; the same keys may be given in an inline table
 * ({@code { url = "tls://…", pin_sha256 = ["…"], pool_size = 4, timeout = "2s", ecs = false, method = "GET" }}):
 * <ul>
 * <li>{@code 0x20=off} (udp:// only; default {@code on}): do not randomise the letter case of the question name
 *     sent to this upstream (draft-vixie-dnsext-dns0x20), for a resolver that does not echo it exactly. With it on,
 *     an answer whose question does not carry the exact case sent is dropped as spoofed.</li>
 * <li>{@code ecs=forward} (default {@code strip}): pass the clients' EDNS Client Subnet options (RFC 7871) on to
 *     this upstream. Answers to queries with a subnet are cached per subnet (the cache key includes the option),
 *     so an answer tailored to one subnet never reaches another.</li>
 * <li>{@code method=GET} (https:// only; default {@code POST}): send queries as {@code GET ?dns=}, which HTTP
 *     caches in front of a DoH server can answer.</li>
 * <li>{@code pin=BASE64} (repeatable; table key {@code pin_sha256}): the SHA-256 of a SubjectPublicKeyInfo the
 *     server must present (RFC 7858 section 4.2), checked besides the certificate chain.</li>
 * <li>{@code pool_size=N}, {@code timeout=DURATION}: this upstream's connection count and the time it gets to
 *     answer before the query goes to another upstream (default: the {@code [upstream]} values).</li>
 * </ul>
 * {@link #toString} writes the URI back with the options that differ from the defaults, so it round-trips;
 * {@link #label} leaves out the pins and tuning, for logs and metrics.
 *
 * @param protocol      how queries travel
 * @param address       the IP and port, or an unresolved host name and port when {@link #needsBootstrap}
 * @param authName      the name sent as SNI and checked in the certificate (encrypted kinds; null for plain)
 * @param path          the DoH path (https:// only, else null)
 * @param get           send DoH queries as GET (https:// only)
 * @param randomizeCase 0x20: randomise the question's letter case and require it echoed (udp:// only)
 * @param forwardEcs    pass client subnet options on instead of stripping them
 * @param pins          base64 SHA-256 hashes of accepted server keys (empty: any key the chain vouches for)
 * @param poolSize      connections to this upstream (0: the {@code upstream.pool_size})
 * @param timeout       this upstream's time to answer (null: {@code upstream.timeout})
 */
public record UpstreamSpec(Protocol protocol, InetSocketAddress address, String authName, String path, boolean get,
        boolean randomizeCase, boolean forwardEcs, List<String> pins, int poolSize, Duration timeout) {

    /** How queries travel to the upstream. */
    public enum Protocol {
        TLS("tls", 853, true), UDP("udp", 53, false), TCP("tcp", 53, false), HTTPS("https", 443, true),
        QUIC("quic", 853, true);

        final String scheme;
        final int defaultPort;
        final boolean encrypted;

        Protocol(String scheme, int defaultPort, boolean encrypted) {
            this.scheme = scheme;
            this.defaultPort = defaultPort;
            this.encrypted = encrypted;
        }

        /** The URI scheme, lower case. */
        public String scheme() {
            return scheme;
        }

        /** TLS, HTTPS and QUIC: authenticated by a certificate, so a host name is allowed. */
        public boolean encrypted() {
            return encrypted;
        }
    }

    /** The DoH path when the URI names none (RFC 8484's example, and what public resolvers serve). */
    public static final String DEFAULT_PATH = "/dns-query";
    private static final String FORMS = "tls://HOST[:PORT][#NAME], https://HOST[:PORT]/PATH, quic://HOST[:PORT], "
            + "udp://IP[:PORT] or tcp://IP[:PORT]";
    private static final String KNOWN = "0x20=on|off for udp://, ecs=strip|forward, method=POST|GET for https://, "
            + "pin=BASE64, pool_size=N, timeout=DURATION";

    /** An upstream with the default options: 0x20 on for udp://, client subnets stripped. */
    public UpstreamSpec(Protocol protocol, InetSocketAddress address, String authName) {
        this(protocol, address, authName, protocol == Protocol.HTTPS ? DEFAULT_PATH : null, false,
                protocol == Protocol.UDP, false, List.of(), 0, null);
    }

    public UpstreamSpec {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        pins = List.copyOf(pins);
        if (randomizeCase && protocol != Protocol.UDP) {
            throw new IllegalArgumentException("0x20 applies only to udp:// upstreams");
        }
        if (protocol != Protocol.HTTPS && (path != null || get)) {
            throw new IllegalArgumentException("a path and GET apply only to https:// upstreams");
        }
        if (protocol == Protocol.HTTPS && path == null) {
            path = DEFAULT_PATH;
        }
        if (address.isUnresolved() && !protocol.encrypted) {
            throw new IllegalArgumentException(protocol.scheme + ":// upstreams take IP addresses");
        }
    }

    /** The tcp:// upstream that takes this udp:// upstream's truncated answers: same address, same ECS choice. */
    public UpstreamSpec tcpFallback() {
        return new UpstreamSpec(Protocol.TCP, address, null, null, false, false, forwardEcs, List.of(), poolSize,
                timeout);
    }

    /** The host is a name whose addresses the bootstrap resolvers give. */
    public boolean needsBootstrap() {
        return address.isUnresolved();
    }

    /** The host as written: the name, or the IP's text. */
    public String host() {
        return address.isUnresolved() ? address.getHostString() : address.getAddress().getHostAddress();
    }

    /** The port. */
    public int port() {
        return address.getPort();
    }

    /** Parses a URI; {@code key} names the setting in errors. */
    public static UpstreamSpec parse(String key, String uri) throws ConfigException {
        return parser(key, uri).build();
    }

    /**
     * Starts parsing {@code uri}, so that options from an inline table can be laid over the URI's before
     * {@link Parser#build} checks the whole.
     */
    public static Parser parser(String key, String uri) throws ConfigException {
        return new Parser(key, uri);
    }

    /** An upstream being read: the URI's parts and options, then those of its table. */
    public static final class Parser {
        private final String key;
        private final String uri;
        private final Protocol protocol;
        private final String authority;
        private String authName;
        private String path;
        private boolean get;
        private boolean randomizeCase;
        private boolean forwardEcs;
        private final List<String> pins = new ArrayList<>();
        private int poolSize;
        private Duration timeout;

        private Parser(String key, String uri) throws ConfigException {
            this.key = key;
            this.uri = uri;
            int sep = uri.indexOf("://");
            if (sep < 0) {
                throw ConfigException.of(key, uri, "is not an upstream URI (use " + FORMS + ")");
            }
            String scheme = uri.substring(0, sep);
            Protocol found = null;
            for (Protocol p : Protocol.values()) {
                if (p.scheme.equalsIgnoreCase(scheme)) {
                    found = p;
                }
            }
            if (found == null) {
                throw ConfigException.of(key, uri, "has unknown scheme '" + scheme
                        + "' (use tls, https, quic, udp or tcp)");
            }
            protocol = found;
            randomizeCase = protocol == Protocol.UDP;
            String rest = uri.substring(sep + 3);
            int hash = rest.indexOf('#');
            if (hash >= 0) {
                authName = rest.substring(hash + 1);
                rest = rest.substring(0, hash);
                if (!protocol.encrypted) {
                    throw ConfigException.of(key, uri, "has an authentication name, which only tls://, https:// "
                            + "and quic:// upstreams use");
                }
                if (authName.contains("?")) {
                    throw ConfigException.of(key, uri, "has options after '#': write them before it "
                            + "(tls://IP?ecs=forward#NAME)");
                }
                if (!isHostName(authName)) {
                    throw ConfigException.of(key, uri, "has an invalid authentication name after '#'");
                }
            }
            if (protocol == Protocol.HTTPS && rest.endsWith("{?dns}")) {
                rest = rest.substring(0, rest.length() - "{?dns}".length()); // RFC 8484's URI template
            }
            int question = rest.indexOf('?');
            String options = null;
            if (question >= 0) {
                options = rest.substring(question + 1);
                rest = rest.substring(0, question);
                if (options.isEmpty()) {
                    throw ConfigException.of(key, uri, "has an empty option list after '?'");
                }
            }
            int slash = rest.indexOf('/');
            if (slash >= 0) {
                if (protocol != Protocol.HTTPS) {
                    throw ConfigException.of(key, uri, "has a path, which only https:// upstreams use");
                }
                path = rest.substring(slash);
                rest = rest.substring(0, slash);
                if (!path.matches("/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")) {
                    throw ConfigException.of(key, uri, "has an invalid path '" + path + "'");
                }
            } else if (protocol == Protocol.HTTPS) {
                path = DEFAULT_PATH;
            }
            authority = rest;
            if (options != null) {
                for (String option : options.split("&", -1)) {
                    int eq = option.indexOf('=');
                    option(eq < 0 ? option : option.substring(0, eq), eq < 0 ? null : option.substring(eq + 1));
                }
            }
        }

        /** One option from the URI (its value as written; null when it had no '='). */
        private void option(String name, String value) throws ConfigException {
            switch (name) {
                case "0x20" -> randomizeCase(choice(name, value, "on", "off"));
                case "ecs" -> forwardEcs = choice(name, value, "forward", "strip");
                case "method" -> method(value == null ? "" : value);
                case "pin" -> pin(value == null ? "" : value);
                case "pool_size" -> {
                    if (value == null || !value.matches("\\d{1,2}")) {
                        throw ConfigException.of(key, uri, "has option pool_size=" + (value == null ? "" : value)
                                + ": use a number of connections, 1-64");
                    }
                    poolSize(Integer.parseInt(value));
                }
                case "timeout" -> timeout(Durations.parse(key, value == null ? "" : value));
                default -> throw ConfigException.of(key, uri, "has unknown option '" + name + "' (known: " + KNOWN
                        + ")");
            }
        }

        /** {@code 0x20}: on or off (udp:// only). */
        public Parser randomizeCase(boolean on) throws ConfigException {
            if (protocol != Protocol.UDP) {
                throw ConfigException.of(key, uri, "has option 0x20, which only udp:// upstreams use");
            }
            randomizeCase = on;
            return this;
        }

        /** {@code ecs}: forward client subnets, or strip them. */
        public Parser forwardEcs(boolean forward) {
            forwardEcs = forward;
            return this;
        }

        /** {@code method}: GET or POST (https:// only). */
        public Parser method(String method) throws ConfigException {
            if (protocol != Protocol.HTTPS) {
                throw ConfigException.of(key, uri, "has option method, which only https:// upstreams use");
            }
            switch (method.toUpperCase(Locale.ROOT)) {
                case "GET" -> get = true;
                case "POST" -> get = false;
                default -> throw ConfigException.of(key, uri, "has method '" + method + "': use GET or POST");
            }
            return this;
        }

        /** One {@code pin_sha256}: base64 of 32 bytes. */
        public Parser pin(String pin) throws ConfigException {
            if (!protocol.encrypted) {
                throw ConfigException.of(key, uri, "has a key pin, which only tls://, https:// and quic:// "
                        + "upstreams use");
            }
            byte[] hash;
            try {
                hash = Base64.getDecoder().decode(pin);
            } catch (IllegalArgumentException e) {
                hash = new byte[0];
            }
            if (hash.length != 32) {
                throw ConfigException.of(key, uri, "has pin '" + pin + "', which is not the base64 of a SHA-256 "
                        + "hash (44 characters, e.g. from: openssl x509 -pubkey -noout | openssl pkey -pubin "
                        + "-outform der | openssl dgst -sha256 -binary | base64)");
            }
            String normal = Base64.getEncoder().encodeToString(hash);
            if (!pins.contains(normal)) {
                pins.add(normal);
            }
            return this;
        }

        /** {@code pool_size}: 1-64. */
        public Parser poolSize(int n) throws ConfigException {
            if (n < 1 || n > 64) {
                throw ConfigException.of(key, uri, "has pool_size " + n + ", outside 1-64");
            }
            poolSize = n;
            return this;
        }

        /** {@code timeout}: longer than zero. */
        public Parser timeout(Duration d) throws ConfigException {
            if (d.isZero() || d.isNegative()) {
                throw ConfigException.of(key, uri, "has timeout " + Durations.format(d) + ": it must be longer "
                        + "than zero");
            }
            timeout = d;
            return this;
        }

        private boolean choice(String name, String value, String yes, String no) throws ConfigException {
            if (yes.equals(value)) {
                return true;
            }
            if (no.equals(value)) {
                return false;
            }
            throw ConfigException.of(key, uri, "has option " + name + "=" + (value == null ? "" : value)
                    + ": use " + name + "=" + yes + " or " + name + "=" + no);
        }

        /** The upstream: the address checked, the TLS name settled. */
        public UpstreamSpec build() throws ConfigException {
            InetSocketAddress address = address();
            String name = authName;
            if (address.isUnresolved()) {
                if (name != null) {
                    throw ConfigException.of(key, uri, "has a host name and a name after '#': the host name is "
                            + "the TLS name (use '#NAME' after an IP address only)");
                }
                name = address.getHostString();
            } else if (name == null && protocol.encrypted) {
                name = address.getAddress().getHostAddress();
            }
            return new UpstreamSpec(protocol, address, name, path, get, randomizeCase, forwardEcs, pins, poolSize,
                    timeout);
        }

        private InetSocketAddress address() throws ConfigException {
            String host = authority;
            int port = protocol.defaultPort;
            if (!host.startsWith("[") && host.indexOf(':') == host.lastIndexOf(':') && !host.isEmpty()) {
                int colon = host.indexOf(':');
                String h = colon < 0 ? host : host.substring(0, colon);
                if (!h.matches("[0-9.]+") && isHostName(h)) {
                    if (!protocol.encrypted) {
                        throw ConfigException.of(key, uri, "has host name '" + h + "': " + protocol.scheme
                                + ":// upstreams take an IP address (a name is for tls://, https:// and quic://, "
                                + "whose certificate proves it)");
                    }
                    if (colon >= 0) {
                        port = HostPort.port(key, uri, host.substring(colon + 1));
                    }
                    return InetSocketAddress.createUnresolved(h.toLowerCase(Locale.ROOT), port);
                }
            }
            try {
                return HostPort.parse(key, authority, protocol.defaultPort, true);
            } catch (ConfigException e) {
                // Name the whole URI the user wrote, not just its address part.
                throw new ConfigException(e.getMessage().replace("'" + authority + "'", "'" + uri + "'"));
            }
        }
    }

    /** A DNS host name: letters, digits, '-' and '_' in labels of 1-63, at most 253 in all, not only digits. */
    static boolean isHostName(String s) {
        return s.length() <= 253 && s.matches("[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*"
                + "\\.?") && !s.matches("[0-9.]+");
    }

    /** The URI with every option that differs from the defaults: it parses back to this. */
    @Override
    public String toString() {
        StringBuilder sb = base();
        String sep = options(sb, "?");
        for (String pin : pins) {
            sb.append(sep).append("pin=").append(pin);
            sep = "&";
        }
        if (poolSize != 0) {
            sb.append(sep).append("pool_size=").append(poolSize);
            sep = "&";
        }
        if (timeout != null) {
            sb.append(sep).append("timeout=").append(Durations.format(timeout));
        }
        return auth(sb).toString();
    }

    /** The URI without pins and tuning options: what logs, metrics and events call this upstream. */
    public String label() {
        StringBuilder sb = base();
        options(sb, "?");
        return auth(sb).toString();
    }

    private StringBuilder base() {
        StringBuilder sb = new StringBuilder(protocol.scheme).append("://");
        if (address.isUnresolved()) {
            sb.append(address.getHostString()).append(':').append(address.getPort());
        } else {
            sb.append(HostPort.format(address));
        }
        if (path != null) {
            sb.append(path);
        }
        return sb;
    }

    private String options(StringBuilder sb, String sep) {
        if (protocol == Protocol.UDP && !randomizeCase) {
            sb.append(sep).append("0x20=off");
            sep = "&";
        }
        if (forwardEcs) {
            sb.append(sep).append("ecs=forward");
            sep = "&";
        }
        if (get) {
            sb.append(sep).append("method=GET");
            sep = "&";
        }
        return sep;
    }

    private StringBuilder auth(StringBuilder sb) {
        if (protocol.encrypted && !address.isUnresolved() && !authName.equals(address.getAddress().getHostAddress())) {
            sb.append('#').append(authName);
        }
        return sb;
    }

    static InetAddress literal(String key, String value, String host) throws ConfigException {
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            throw ConfigException.of(key, value, "must be an IP address, not a host name");
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw ConfigException.of(key, value, "is not a valid IP address");
        }
    }
}
