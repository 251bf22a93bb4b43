package dev.dotgate.config;

import java.net.InetSocketAddress;

/** Parses {@code HOST:PORT}, {@code [V6]:PORT}, or a bare address when a default port applies. */
public final class HostPort {
    private HostPort() {
    }

    public static InetSocketAddress parse(String key, String value, int defaultPort, boolean portOptional)
            throws ConfigException {
        String host;
        String port = null;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                throw ConfigException.of(key, value, "has an unclosed '[' (write IPv6 as [::1]:53)");
            }
            host = value.substring(1, close);
            String tail = value.substring(close + 1);
            if (tail.startsWith(":")) {
                port = tail.substring(1);
            } else if (!tail.isEmpty()) {
                throw ConfigException.of(key, value, "is not HOST:PORT");
            }
        } else {
            int colon = value.lastIndexOf(':');
            if (colon >= 0 && value.indexOf(':') != colon) {
                throw ConfigException.of(key, value, "looks like a bare IPv6 address: write it as [ADDRESS]:PORT");
            }
            host = colon >= 0 ? value.substring(0, colon) : value;
            port = colon >= 0 ? value.substring(colon + 1) : null;
        }
        if (port == null && !portOptional) {
            if (host.matches("\\d{1,5}")) {
                throw ConfigException.of(key, value, "is a port without an address: write ADDRESS:PORT, e.g. "
                        + "127.0.0.1:" + host + " (or 0.0.0.0:" + host + " for every IPv4 address, [::]:" + host
                        + " for every IPv6 one)");
            }
            throw ConfigException.of(key, value, "needs a port: write ADDRESS:PORT, e.g. "
                    + (value.startsWith("[") ? value : host) + ":53");
        }
        int p = port == null ? defaultPort : port(key, value, port);
        if (host.isEmpty()) {
            throw ConfigException.of(key, value, "has no address");
        }
        return new InetSocketAddress(UpstreamSpec.literal(key, value, host), p);
    }

    /** {@code port} as a number 0-65535; errors name {@code value}, of which it is a part. */
    static int port(String key, String value, String port) throws ConfigException {
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw ConfigException.of(key, value, "has port '" + port + "', which is not a number");
        }
        if (p < 0 || p > 65535) {
            throw ConfigException.of(key, value, "has port " + p + ", outside 0-65535");
        }
        return p;
    }

    /** Formats an address back as the user would write it. */
    public static String format(InetSocketAddress a) {
        String host = io.netty.util.NetUtil.toAddressString(a.getAddress());
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
