package dev.dotgate.upstream;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The upstream factories by URI scheme: how the gateway turns an {@link UpstreamSetup} into an {@link Upstream}. */
public final class UpstreamFactories {
    private final Map<String, UpstreamFactory> byScheme;

    private UpstreamFactories(Map<String, UpstreamFactory> byScheme) {
        this.byScheme = Map.copyOf(byScheme);
    }

    /** These factories; a later one for the same scheme replaces an earlier. */
    public static UpstreamFactories of(UpstreamFactory... factories) {
        Map<String, UpstreamFactory> m = new LinkedHashMap<>();
        for (UpstreamFactory f : factories) {
            m.put(f.scheme(), f);
        }
        return new UpstreamFactories(m);
    }

    /**
     * The built-in kinds: {@code tls} (DoT, checked against {@code tls}), {@code tcp} and {@code udp} (with its
     * TCP fallback for truncated answers), all on {@code group}, counting into {@code totals}.
     */
    public static UpstreamFactories standard(EventLoopGroup group, SslContext tls, UpstreamTotals totals) {
        UpstreamFactory tcp = StreamUpstream.factory("tcp", group, null, totals);
        return of(StreamUpstream.factory("tls", group, tls, totals), tcp,
                DatagramUpstream.factory(group, tcp, totals));
    }

    /** The factory for {@code scheme}; IllegalArgumentException when none serves it. */
    public UpstreamFactory forScheme(String scheme) {
        UpstreamFactory f = byScheme.get(scheme);
        if (f == null) {
            throw new IllegalArgumentException("no upstream kind for scheme '" + scheme + "'");
        }
        return f;
    }

    /** A new upstream for {@code setup}, from the factory of its scheme. */
    public Upstream create(UpstreamSetup setup, UpstreamCounters counters) {
        return forScheme(setup.scheme()).create(setup, counters);
    }
}
