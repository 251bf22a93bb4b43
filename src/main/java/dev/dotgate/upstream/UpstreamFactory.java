package dev.dotgate.upstream;

/**
 * Builds the upstreams of one URI scheme ({@code tls}, {@code tcp}, {@code udp}; {@code https} and {@code quic}
 * next). A new upstream kind is one implementation of {@link Upstream} plus one of these, registered in
 * {@link UpstreamFactories}. A factory holds what its upstreams share (event loops, the client TLS context, the
 * gateway-wide {@link UpstreamTotals}); everything per upstream comes in the {@link UpstreamSetup}.
 */
public interface UpstreamFactory {
    /** The URI scheme served, lower case. */
    String scheme();

    /** A new upstream for {@code setup} (whose scheme is {@link #scheme}), counting into {@code counters}. */
    Upstream create(UpstreamSetup setup, UpstreamCounters counters);
}
