package dev.dotgate.discovery;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Discovery of Designated Resolvers (RFC 9462, SVCB per RFC 9461): the SVCB records for
 * {@code _dns.resolver.arpa} that tell a client which starts on plain DNS where this gateway speaks DoT, so it can
 * upgrade itself. One record per DoT listener: ALPN dot, its port, and its address as a hint when it is a
 * specific one.
 */
public final class DesignatedResolver {
    public static final String NAME = "_dns.resolver.arpa.";
    private static final long TTL = 300;

    private DesignatedResolver() {
    }

    /** The records for the bound DoT listeners, served under {@code serverName} (the certificate's name). */
    public static List<Record> records(String serverName, List<InetSocketAddress> dotListeners) {
        List<Record> out = new ArrayList<>();
        int priority = 1;
        for (InetSocketAddress a : dotListeners) {
            StringBuilder data = new StringBuilder();
            data.append(priority++).append(' ').append(serverName).append(". alpn=dot port=").append(a.getPort());
            if (!a.getAddress().isAnyLocalAddress()) {
                if (a.getAddress() instanceof Inet4Address) {
                    data.append(" ipv4hint=").append(a.getAddress().getHostAddress());
                } else if (a.getAddress() instanceof Inet6Address) {
                    data.append(" ipv6hint=").append(a.getAddress().getHostAddress().replaceAll("%.*", ""));
                }
            }
            try {
                out.add(Record.fromString(Name.fromString(NAME), Type.SVCB, DClass.IN, TTL, data.toString(),
                        Name.root));
            } catch (IOException e) {
                throw new IllegalStateException("cannot build the DDR record '" + data + "'", e);
            }
        }
        return out;
    }
}
