package dev.dotgate.upstream;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.ssl.SslContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

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
        return standard(group, tls, null, totals);
    }

    /** The same and {@code https} (DoH, checked against {@code https}, which offers h2 and http/1.1) when given. */
    public static UpstreamFactories standard(EventLoopGroup group, SslContext tls, SslContext https,
            UpstreamTotals totals) {
        return standard(group, tls, https == null ? null : () -> https, null, totals);
    }

    /**
     * The same and {@code quic} (DoQ) when {@code quic} is given: it makes each upstream its own client context.
     * Where Netty's QUIC library cannot load, quic:// upstreams are refused with the reason.
     */
    public static UpstreamFactories standard(EventLoopGroup group, SslContext tls, Supplier<SslContext> https,
            Supplier<QuicSslContext> quic, UpstreamTotals totals) {
        UpstreamFactory tcp = factory("tcp", (setup, counters) -> new StreamUpstream(setup, null, group, totals,
                counters));
        UpstreamFactory dot = factory("tls", (setup, counters) -> new StreamUpstream(setup, tls, group, totals,
                counters));
        UpstreamFactory udp = factory("udp", (setup, counters) -> new DatagramUpstream(setup, group,
                tcp.create(setup.withSpec(setup.spec().tcpFallback()), counters), totals, counters));
        Map<String, UpstreamFactory> m = new LinkedHashMap<>();
        for (UpstreamFactory f : new UpstreamFactory[] {dot, tcp, udp}) {
            m.put(f.scheme(), f);
        }
        if (https != null) {
            // One DoH context for every https:// upstream, made with the first (its session cache is shared).
            Supplier<SslContext> context = memoized(https);
            m.put("https", factory("https", (setup, counters) -> new HttpsUpstream(setup, context.get(), group,
                    totals, counters)));
        }
        if (quic != null) {
            // Netty's QUIC library (native) loads with the first quic:// upstream, not at every start.
            m.put("quic", factory("quic", (setup, counters) -> {
                if (!Quic.isAvailable()) {
                    throw new UnknownSchemeException("needs Netty's QUIC library, which cannot load here: "
                            + Quic.unavailabilityCause());
                }
                return new QuicUpstream(setup, quic.get(), group, totals, counters);
            }));
        }
        return new UpstreamFactories(m);
    }

    /** {@code make}'s value, made once, on the first call. */
    private static <T> Supplier<T> memoized(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = make.get();
                }
                return value;
            }
        };
    }

    /** A factory for {@code scheme} that builds with {@code build}. */
    public static UpstreamFactory factory(String scheme,
            BiFunction<UpstreamSetup, UpstreamCounters, Upstream> build) {
        return new UpstreamFactory() {
            @Override
            public String scheme() {
                return scheme;
            }

            @Override
            public Upstream create(UpstreamSetup setup, UpstreamCounters counters) {
                return build.apply(setup, counters);
            }
        };
    }

    /** The schemes served. */
    public java.util.Set<String> schemes() {
        return byScheme.keySet();
    }

    /** The factory for {@code scheme}; an {@link UnknownSchemeException} when none serves it. */
    public UpstreamFactory forScheme(String scheme) {
        UpstreamFactory f = byScheme.get(scheme);
        if (f == null) {
            throw new UnknownSchemeException("has scheme " + scheme + "://, which this build cannot reach (it serves "
                    + String.join(", ", byScheme.keySet()) + ")");
        }
        return f;
    }

    /** No upstream kind serves a scheme here (a QUIC upstream where Netty's QUIC library cannot load). */
    public static final class UnknownSchemeException extends IllegalArgumentException {
        UnknownSchemeException(String message) {
            super(message);
        }
    }

    /** A new upstream for {@code setup}, from the factory of its scheme. */
    public Upstream create(UpstreamSetup setup, UpstreamCounters counters) {
        return forScheme(setup.scheme()).create(setup, counters);
    }
}
