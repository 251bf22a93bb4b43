package dev.dotgate.onboard;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** This machine's addresses a phone on the same network can reach: up interfaces, not loopback, not link-local. */
public final class LanAddresses {
    private LanAddresses() {
    }

    /** Every such address in interface order; IPv6 ones (global or unique-local) only when {@code withIpv6}. */
    public static List<InetAddress> all(boolean withIpv6) {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                            || a.isMulticastAddress() || (a instanceof Inet6Address && !withIpv6)) {
                        continue;
                    }
                    InetAddress plain = a instanceof Inet6Address ? InetAddress.getByAddress(a.getAddress()) : a;
                    if (!out.contains(plain)) {
                        out.add(plain);
                    }
                }
            }
        } catch (SocketException | java.net.UnknownHostException e) {
            return out;
        }
        // IPv4 first: what phones on a home network use.
        out.sort((x, y) -> Boolean.compare(x instanceof Inet6Address, y instanceof Inet6Address));
        return out;
    }

    /** The first IPv4 address of {@link #all}, or null when this machine has none. */
    public static InetAddress firstIpv4() {
        return all(false).stream().filter(Inet4Address.class::isInstance).findFirst().orElse(null);
    }
}
