package dev.dotgate.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * One upstream resolver: {@code tls://IP[:PORT][?OPTIONS][#AUTH_NAME]}, {@code udp://IP[:PORT][?OPTIONS]} or
 * {@code tcp://IP[:PORT][?OPTIONS]}. Addresses are IP literals (IPv6 in brackets) so that reaching the resolver
 * needs no DNS. OPTIONS are {@code key=value} pairs joined by {@code &}:
 * <ul>
 * <li>{@code 0x20=off} (udp:// only; default {@code on}): do not randomise the letter case of the question name
 *     sent to this upstream (draft-vixie-dnsext-dns0x20), for a resolver that does not echo it exactly. With it on,
 *     an answer whose question does not carry the exact case sent is dropped as spoofed.</li>
 * <li>{@code ecs=forward} (default {@code strip}): pass the clients' EDNS Client Subnet options (RFC 7871) on to
 *     this upstream. Answers to queries with a subnet are cached per subnet (the cache key includes the option),
 *     so an answer tailored to one subnet never reaches another.</li>
 * </ul>
 * {@link #toString} writes the URI back with the options that differ from the defaults, so it round-trips.
 *
 * @param authName        the name sent as SNI and checked in the certificate; the IP itself when absent
 * @param randomizeCase   0x20: randomise the question's letter case and require it echoed (udp:// only)
 * @param forwardEcs      pass client subnet options on instead of stripping them
 */
public record UpstreamSpec(Protocol protocol, InetSocketAddress address, String authName, boolean randomizeCase,
        boolean forwardEcs) {

    /** How queries travel to the upstream. */
    public enum Protocol {
        TLS("tls", 853), UDP("udp", 53), TCP("tcp", 53);

        final String scheme;
        final int defaultPort;

        Protocol(String scheme, int defaultPort) {
            this.scheme = scheme;
            this.defaultPort = defaultPort;
        }
    }

    private static final String CASE_KEY = "0x20";
    private static final String ECS_KEY = "ecs";

    /** An upstream with the default options: 0x20 on for udp://, client subnets stripped. */
    public UpstreamSpec(Protocol protocol, InetSocketAddress address, String authName) {
        this(protocol, address, authName, protocol == Protocol.UDP, false);
    }

    public UpstreamSpec {
        if (randomizeCase && protocol != Protocol.UDP) {
            throw new IllegalArgumentException("0x20 applies only to udp:// upstreams");
        }
    }

    /** The tcp:// upstream that takes this udp:// upstream's truncated answers: same address, same ECS choice. */
    public UpstreamSpec tcpFallback() {
        return new UpstreamSpec(Protocol.TCP, address, null, false, forwardEcs);
    }

    /** Parses a URI; {@code key} names the setting in errors. */
    public static UpstreamSpec parse(String key, String uri) throws ConfigException {
        int sep = uri.indexOf("://");
        if (sep < 0) {
            throw ConfigException.of(key, uri, "is not an upstream URI (use tls://IP[:PORT][#NAME], udp://IP[:PORT] or tcp://IP[:PORT])");
        }
        String scheme = uri.substring(0, sep);
        Protocol protocol = null;
        for (Protocol p : Protocol.values()) {
            if (p.scheme.equalsIgnoreCase(scheme)) {
                protocol = p;
            }
        }
        if (protocol == null) {
            throw ConfigException.of(key, uri, "has unknown scheme '" + scheme + "' (use tls, udp or tcp)");
        }
        String rest = uri.substring(sep + 3);
        String authName = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            authName = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
            if (protocol != Protocol.TLS) {
                throw ConfigException.of(key, uri, "has an authentication name, which only tls:// upstreams use");
            }
            if (authName.contains("?")) {
                throw ConfigException.of(key, uri, "has options after '#': write them before it (tls://IP?ecs=forward#NAME)");
            }
            if (authName.isEmpty() || !authName.matches("[A-Za-z0-9._-]+")) {
                throw ConfigException.of(key, uri, "has an invalid authentication name after '#'");
            }
        }
        boolean randomizeCase = protocol == Protocol.UDP;
        boolean forwardEcs = false;
        int question = rest.indexOf('?');
        if (question >= 0) {
            String options = rest.substring(question + 1);
            rest = rest.substring(0, question);
            if (options.isEmpty()) {
                throw ConfigException.of(key, uri, "has an empty option list after '?'");
            }
            for (String option : options.split("&", -1)) {
                int eq = option.indexOf('=');
                String name = eq < 0 ? option : option.substring(0, eq);
                String value = eq < 0 ? null : option.substring(eq + 1);
                switch (name) {
                    case CASE_KEY -> {
                        if (protocol != Protocol.UDP) {
                            throw ConfigException.of(key, uri, "has option " + CASE_KEY
                                    + ", which only udp:// upstreams use");
                        }
                        randomizeCase = choice(key, uri, name, value, "on", "off");
                    }
                    case ECS_KEY -> forwardEcs = choice(key, uri, name, value, "forward", "strip");
                    default -> throw ConfigException.of(key, uri, "has unknown option '" + name
                            + "' (known: " + CASE_KEY + "=on|off for udp://, " + ECS_KEY + "=strip|forward)");
                }
            }
        }
        InetSocketAddress address;
        try {
            address = HostPort.parse(key, rest, protocol.defaultPort, true);
        } catch (ConfigException e) {
            // Name the whole URI the user wrote, not just its address part.
            throw new ConfigException(e.getMessage().replace("'" + rest + "'", "'" + uri + "'"));
        }
        if (authName == null && protocol == Protocol.TLS) {
            authName = address.getAddress().getHostAddress();
        }
        return new UpstreamSpec(protocol, address, authName, randomizeCase, forwardEcs);
    }

    /** True for {@code yes}, false for {@code no}; anything else is an error naming the option and its value. */
    private static boolean choice(String key, String uri, String name, String value, String yes, String no)
            throws ConfigException {
        if (yes.equals(value)) {
            return true;
        }
        if (no.equals(value)) {
            return false;
        }
        throw ConfigException.of(key, uri, "has option " + name + "=" + (value == null ? "" : value)
                + ": use " + name + "=" + yes + " or " + name + "=" + no);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(protocol.scheme).append("://").append(HostPort.format(address));
        String sep = "?";
        if (protocol == Protocol.UDP && !randomizeCase) {
            sb.append(sep).append(CASE_KEY).append("=off");
            sep = "&";
        }
        if (forwardEcs) {
            sb.append(sep).append(ECS_KEY).append("=forward");
        }
        if (protocol == Protocol.TLS && !authName.equals(address.getAddress().getHostAddress())) {
            sb.append('#').append(authName);
        }
        return sb.toString();
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
