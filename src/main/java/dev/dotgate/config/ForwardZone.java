package dev.dotgate.config;

import java.util.List;
import java.util.Locale;

/**
 * Conditional forwarding ({@code [[forward]]}): names in {@code zone} (and the zone itself) go to {@code servers}.
 * Keys here are relative to the table; errors are reported as {@code forward[N].zone}.
 */
public record ForwardZone(
        @Setting(key = "zone", doc = "names in this zone (and the zone itself) go to `servers`; the most specific "
                + "zone wins")
        String zone,
        @Setting(key = "servers", dflt = "[]", doc = "upstreams for the zone, same URI forms as `upstream.servers`")
        List<UpstreamSpec> servers) {

    public ForwardZone {
        if (zone == null || servers.isEmpty()) {
            throw new ConfigException((zone == null ? "zone" : "servers") + ": missing; each [[forward]] needs "
                    + "zone = \"corp.example\" and servers = [\"tls://...\"]");
        }
        String normal = zone.endsWith(".") && zone.length() > 1 ? zone.substring(0, zone.length() - 1) : zone;
        normal = normal.toLowerCase(Locale.ROOT);
        if (normal.length() > 253
                || !normal.matches("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*")) {
            throw ConfigException.of("zone", zone, "is not a domain name");
        }
        zone = normal;
        servers = List.copyOf(servers);
    }
}
