package dev.dotgate.onboard;

import dev.dotgate.config.HostPort;
import dev.dotgate.resolve.Transport;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where a phone profile sends DNS, from the gateway's DoT or DoH listeners: a listener's own address when it is
 * specific, this machine's LAN addresses when it listens on a wildcard. Notes what will keep a phone from reaching
 * it: a loopback address; for DNS-over-TLS a port other than 853 (Apple devices always use 853), for DNS-over-HTTPS
 * listeners on more than one port (a profile has one URL, so one port).
 *
 * @param transport DOT or DOH
 * @param port      the port the profile names: 853 for DoT, the DoH listeners' port for DoH
 * @param addresses where the phone sends its queries, without duplicates
 * @param warnings  one line each, for the user
 */
public record PhoneTargets(Transport transport, int port, List<InetAddress> addresses, List<String> warnings) {
    public static final int APPLE_DOT_PORT = 853;

    /**
     * @param listeners the DoT listen addresses (listen.dot)
     * @param lan       this machine's LAN addresses, asked with whether IPv6 ones are wanted
     * @throws IllegalArgumentException when there is no DoT listener, or only wildcards and no LAN address
     */
    public static PhoneTargets dot(List<InetSocketAddress> listeners, Function<Boolean, List<InetAddress>> lan) {
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no DNS-over-TLS listener is configured (listen.dot / --dot-listen is "
                    + "empty), and phones need one: set listen.dot, e.g. --dot-listen 0.0.0.0:853, or use "
                    + "DNS-over-HTTPS with --doh");
        }
        List<InetAddress> out = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (InetSocketAddress l : listeners) {
            String where = "the DoT listener " + HostPort.format(l);
            if (l.getPort() != APPLE_DOT_PORT) {
                warnings.add(where + " is not on port 853, the only port iOS and macOS use for DNS-over-TLS: "
                        + "listen on port 853 (or forward 853 to it), or use DNS-over-HTTPS (--doh), which can "
                        + "use any port");
            }
            addAll(out, warnings, l, where, lan, "listen.dot / --dot-listen", "0.0.0.0:853");
        }
        return new PhoneTargets(Transport.DOT, APPLE_DOT_PORT, List.copyOf(out), List.copyOf(warnings));
    }

    /**
     * @param listeners the DoH listen addresses (listen.doh); the first one's port goes into the profile's URL
     * @param lan       this machine's LAN addresses, asked with whether IPv6 ones are wanted
     * @throws IllegalArgumentException when there is no DoH listener, the first is on port 0, or only wildcards and
     *                                  no LAN address
     */
    public static PhoneTargets doh(List<InetSocketAddress> listeners, Function<Boolean, List<InetAddress>> lan) {
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("--doh: no DNS-over-HTTPS listener is configured (listen.doh / "
                    + "--doh-listen is empty): set listen.doh, e.g. --doh-listen 0.0.0.0:443, or leave out --doh "
                    + "for DNS-over-TLS");
        }
        int port = listeners.get(0).getPort();
        if (port == 0) {
            throw new IllegalArgumentException("the DoH listener " + HostPort.format(listeners.get(0)) + " has port 0 "
                    + "(any free port), which a profile cannot name: give the port the gateway listens on with "
                    + "listen.doh / --doh-listen, e.g. 0.0.0.0:8443");
        }
        List<InetAddress> out = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (InetSocketAddress l : listeners) {
            String where = "the DoH listener " + HostPort.format(l);
            if (l.getPort() != port) {
                warnings.add(where + " is left out of the profile: a profile has one DoH URL, with port " + port
                        + " (from the first DoH listener)");
                continue;
            }
            addAll(out, warnings, l, where, lan, "listen.doh / --doh-listen", "0.0.0.0:" + port);
        }
        return new PhoneTargets(Transport.DOH, port, List.copyOf(out), List.copyOf(warnings));
    }

    private static void addAll(List<InetAddress> out, List<String> warnings, InetSocketAddress l, String where,
            Function<Boolean, List<InetAddress>> lan, String option, String example) {
        InetAddress a = l.getAddress();
        if (a.isAnyLocalAddress()) {
            List<InetAddress> found = lan.apply(a instanceof Inet6Address);
            if (found.isEmpty()) {
                throw new IllegalArgumentException(where + " listens on every address, but this machine has "
                        + "no LAN address (no up interface with a non-loopback, non-link-local address)");
            }
            found.forEach(f -> add(out, f));
            return;
        }
        if (a.isLoopbackAddress()) {
            warnings.add(where + " is a loopback address: a phone cannot reach it; listen on a LAN address "
                    + "or on 0.0.0.0 (" + option + "), e.g. " + example);
        }
        add(out, a);
    }

    private static void add(List<InetAddress> out, InetAddress a) {
        if (!out.contains(a)) {
            out.add(a);
        }
    }
}
