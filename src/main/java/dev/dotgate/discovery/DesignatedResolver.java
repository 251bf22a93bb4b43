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
 * {@code _dns.resolver.arpa} that tell a client which starts on plain DNS where this gateway speaks DoT, DoH and
 * DoQ, so it can upgrade itself. One record per listener: ALPN dot, h2 with the URI template (dohpath, key 7), or
 * doq (RFC 9250 section 8.1.2), its port, and its address as a hint when it is a specific one. DoT records come
 * first (priority 1, 2, ...), then DoH, then DoQ.
 */
public final class DesignatedResolver {
    public static final String NAME = "_dns.resolver.arpa.";
    private static final long TTL = 300;

    private DesignatedResolver() {
    }

    /** The DoH URI template clients fill in (RFC 9461 section 5). */
    public static final String DOH_PATH = dev.dotgate.server.doh.DohSettings.PATH + "{?dns}";

    /**
     * The records for the bound DoT and DoH listeners, served under {@code serverName} (the certificate's
     * name).
     */
    public static List<Record> records(String serverName, List<InetSocketAddress> dotListeners,
            List<InetSocketAddress> dohListeners, List<InetSocketAddress> doqListeners) {
        List<Record> out = new ArrayList<>();
        int priority = 1;
        List<InetSocketAddress> all = new ArrayList<>(dotListeners);
        all.addAll(dohListeners);
        all.addAll(doqListeners);
        for (int i = 0; i < all.size(); i++) {
            InetSocketAddress a = all.get(i);
            boolean dot = i < dotListeners.size();
            boolean doh = !dot && i < dotListeners.size() + dohListeners.size();
            StringBuilder data = new StringBuilder();
            data.append(priority++).append(' ').append(serverName)
                    .append(dot ? ". alpn=dot" : doh ? ". alpn=h2" : ". alpn=doq")
                    .append(" port=").append(a.getPort());
            if (!a.getAddress().isAnyLocalAddress()) {
                if (a.getAddress() instanceof Inet4Address) {
                    data.append(" ipv4hint=").append(a.getAddress().getHostAddress());
                } else if (a.getAddress() instanceof Inet6Address) {
                    data.append(" ipv6hint=").append(a.getAddress().getHostAddress().replaceAll("%.*", ""));
                }
            }
            if (doh) {
                // dnsjava knows no "dohpath" name; key7 is its number (RFC 9461 section 5).
                data.append(" key7=\"").append(DOH_PATH).append('"');
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
