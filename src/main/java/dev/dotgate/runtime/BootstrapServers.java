package dev.dotgate.runtime;

import dev.dotgate.config.ConfigException;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.UpstreamSpec;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.xbill.DNS.ResolverConfig;

/**
 * The resolvers that give upstream host names their addresses: {@code upstream.bootstrap}, or the system's (the
 * {@code nameserver} lines of /etc/resolv.conf), without the gateway's own plain listeners, so a name is never
 * resolved through dotgate itself (a system pointed at dotgate would otherwise ask itself, which cannot answer
 * before its upstream is reached).
 */
final class BootstrapServers {
    private BootstrapServers() {
    }

    /**
     * The servers for {@code config}; empty when no upstream names a host. A {@link ConfigException} when hosts
     * are named and every server left is this gateway.
     */
    static List<InetSocketAddress> of(GatewayConfig config) {
        boolean needed = config.upstream().servers().stream().anyMatch(UpstreamSpec::needsBootstrap)
                || config.forwards().stream().flatMap(z -> z.servers().stream()).anyMatch(UpstreamSpec::needsBootstrap);
        if (!needed) {
            return List.of();
        }
        boolean configured = !config.upstream().bootstrap().isEmpty();
        List<InetSocketAddress> candidates = configured
                ? config.upstream().bootstrap().stream().map(UpstreamSpec::address).toList()
                : ResolverConfig.getCurrentConfig().servers();
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : candidates) {
            if (!ours(a, config.listen().plain())) {
                out.add(a);
            }
        }
        if (out.isEmpty()) {
            String was = candidates.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                    .collect(Collectors.joining(", "));
            throw new ConfigException("upstream.bootstrap: " + (configured ? "'" + was + "' is" : "the system "
                    + "resolvers (/etc/resolv.conf: " + was + ") are") + " this gateway's own listener, which "
                    + "cannot resolve its upstreams' names; name other resolvers, e.g. bootstrap = "
                    + "[\"udp://9.9.9.9\"], or give the upstream as an IP with #NAME");
        }
        return out;
    }

    /** Whether {@code server} is one of the gateway's plain listeners (a wildcard one takes every address). */
    private static boolean ours(InetSocketAddress server, List<InetSocketAddress> listeners) {
        for (InetSocketAddress l : listeners) {
            if (l.getPort() == server.getPort() && (l.getAddress().isAnyLocalAddress()
                    || l.getAddress().equals(server.getAddress()))) {
                return true;
            }
        }
        return false;
    }
}
