package dev.dotgate.upstream;

import java.util.concurrent.atomic.LongAdder;

/**
 * What happened on the upstream side across all upstreams: owned by this package, which counts, and read by
 * {@code observe} (the {@code Stats} fields of the same names are these adders, so metric names and values are
 * unchanged). Cheap to bump from any thread.
 */
public final class UpstreamTotals {
    /** Upstream connections opened. */
    public final LongAdder connects = new LongAdder();
    /** Upstream connects or TLS handshakes that failed. */
    public final LongAdder connectFailures = new LongAdder();
    /** Connections closed (or datagram upstreams skipped) because they stayed silent while queries waited. */
    public final LongAdder silentClosed = new LongAdder();
    /** Connections closed after their idle time. */
    public final LongAdder idleClosed = new LongAdder();
    /** Answers that matched no query waiting (wrong ID or question). */
    public final LongAdder unmatched = new LongAdder();
    /** Answers for queries that had completed or expired already. */
    public final LongAdder late = new LongAdder();
    /** Messages from upstreams that are not DNS responses. */
    public final LongAdder malformed = new LongAdder();
    /** Truncated udp:// answers asked again over TCP. */
    public final LongAdder truncatedRetriedTcp = new LongAdder();
    /** udp:// answers dropped because their question did not echo the letter case sent (0x20): spoofed. */
    public final LongAdder caseMismatch = new LongAdder();
}
