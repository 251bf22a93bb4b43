package dev.dotgate.onboard;

import dev.dotgate.config.HostPort;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The addresses a phone profile names for DNS-over-TLS, from the gateway's DoT listeners: a listener's own address
 * when it is specific, this machine's LAN addresses when it listens on a wildcard. Notes what will keep a phone
 * from reaching it: a loopback address, or a port other than 853 (Apple devices always use 853).
 *
 * @param addresses where the phone sends its queries, without duplicates
 * @param warnings  one line each, for the user
 */
public record DotTargets(List<InetAddress> addresses, List<String> warnings) {
    public static final int APPLE_DOT_PORT = 853;

    /**
     * @param listeners the DoT listen addresses (listen.dot)
     * @param lan       this machine's LAN addresses, asked with whether IPv6 ones are wanted
     * @throws IllegalArgumentException when there is no DoT listener, or only wildcards and no LAN address
     */
    public static DotTargets of(List<InetSocketAddress> listeners, Function<Boolean, List<InetAddress>> lan) {
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no DNS-over-TLS listener is configured (listen.dot / --dot-listen is "
                    + "empty), and phones need one: set listen.dot, e.g. --dot-listen 0.0.0.0:853");
        }
        List<InetAddress> out = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (InetSocketAddress l : listeners) {
            InetAddress a = l.getAddress();
            String where = "the DoT listener " + HostPort.format(l);
            if (l.getPort() != APPLE_DOT_PORT) {
                warnings.add(where + " is not on port 853, the only port iOS and macOS use for DNS-over-TLS: "
                        + "listen on port 853 (or forward 853 to it)");
            }
            if (a.isAnyLocalAddress()) {
                List<InetAddress> found = lan.apply(a instanceof Inet6Address);
                if (found.isEmpty()) {
                    throw new IllegalArgumentException(where + " listens on every address, but this machine has "
                            + "no LAN address (no up interface with a non-loopback, non-link-local address)");
                }
                found.forEach(f -> add(out, f));
            } else {
                if (a.isLoopbackAddress()) {
                    warnings.add(where + " is a loopback address: a phone cannot reach it; listen on a LAN address "
                            + "or on 0.0.0.0 (listen.dot / --dot-listen), e.g. 0.0.0.0:853");
                }
                add(out, a);
            }
        }
        return new DotTargets(List.copyOf(out), List.copyOf(warnings));
    }

    private static void add(List<InetAddress> out, InetAddress a) {
        if (!out.contains(a)) {
            out.add(a);
        }
    }
}
