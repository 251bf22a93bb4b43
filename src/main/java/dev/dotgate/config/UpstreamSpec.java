package dev.dotgate.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * One upstream resolver: {@code tls://IP[:PORT][#AUTH_NAME]}, {@code udp://IP[:PORT]} or {@code tcp://IP[:PORT]}.
 * Addresses are IP literals (IPv6 in brackets) so that reaching the resolver needs no DNS.
 *
 * @param authName the name sent as SNI and checked in the certificate; the IP itself when absent
 */
public record UpstreamSpec(Protocol protocol, InetSocketAddress address, String authName) {

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
            if (authName.isEmpty() || !authName.matches("[A-Za-z0-9._-]+")) {
                throw ConfigException.of(key, uri, "has an invalid authentication name after '#'");
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
        return new UpstreamSpec(protocol, address, authName);
    }

    @Override
    public String toString() {
        String base = protocol.scheme + "://" + HostPort.format(address);
        return protocol == Protocol.TLS && !authName.equals(address.getAddress().getHostAddress())
                ? base + "#" + authName : base;
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
