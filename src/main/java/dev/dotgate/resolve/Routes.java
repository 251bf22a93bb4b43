package dev.dotgate.resolve;

import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.wire.DomainSet;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which upstreams a name goes to: the most specific conditional-forwarding zone that contains it
 * ({@code corp.example} to its own resolvers), else the default group. Immutable; a reload builds new routes.
 * A forwarding concern, so it lives with {@link ForwardingResolver} rather than in {@code upstream}.
 */
public final class Routes {
    private final UpstreamGroup defaultGroup;
    private final List<UpstreamGroup> zoneGroups;
    private final DomainSet zones;

    private Routes(UpstreamGroup defaultGroup, List<UpstreamGroup> zoneGroups, DomainSet zones) {
        this.defaultGroup = defaultGroup;
        this.zoneGroups = zoneGroups;
        this.zones = zones;
    }

    /** {@code zones}: zone name (no trailing dot needed) to its upstream group, in config order. */
    public static Routes of(UpstreamGroup defaultGroup, Map<String, UpstreamGroup> zones) {
        DomainSet.Builder b = DomainSet.builder();
        List<UpstreamGroup> groups = new ArrayList<>();
        for (Map.Entry<String, UpstreamGroup> e : new LinkedHashMap<>(zones).entrySet()) {
            if (!b.add(e.getKey(), DomainSet.SELF | DomainSet.BELOW, groups.size())) {
                throw new IllegalArgumentException("'" + e.getKey() + "' is not a valid zone name");
            }
            groups.add(e.getValue());
        }
        return new Routes(defaultGroup, List.copyOf(groups), b.build());
    }

    /** The group for the question name of {@code query} (a well-formed query, read in place). */
    public UpstreamGroup groupFor(ByteBuf query) {
        if (zoneGroups.isEmpty()) {
            return defaultGroup;
        }
        int tag = zones.match(query, query.readerIndex() + Dns.HEADER_LENGTH);
        return tag == DomainSet.NO_MATCH ? defaultGroup : zoneGroups.get(tag);
    }

    /** Every group: the default one, then the zones'. */
    public List<UpstreamGroup> groups() {
        List<UpstreamGroup> all = new ArrayList<>(zoneGroups.size() + 1);
        all.add(defaultGroup);
        all.addAll(zoneGroups);
        return all;
    }

    public UpstreamGroup defaultGroup() {
        return defaultGroup;
    }
}
