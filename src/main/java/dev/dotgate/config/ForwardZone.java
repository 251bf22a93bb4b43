package dev.dotgate.config;

import java.util.List;

/** Conditional forwarding: names in {@code zone} (and the zone itself) go to {@code servers}. */
public record ForwardZone(String zone, List<UpstreamSpec> servers) {
}
