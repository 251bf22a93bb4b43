package dev.dotgate.observe.metrics;

import dev.dotgate.upstream.UpstreamTotals;
import java.util.List;

/**
 * What happened on the upstream side across all upstreams (connects, failures, silent and idle closes, unmatched,
 * late and malformed answers, TCP retries, 0x20 mismatches); the per-upstream meters are {@link UpstreamMeters}.
 * Bumped in {@code upstream} and read here from its {@link UpstreamTotals}.
 */
public final class UpstreamTotalMeters extends OwnerMeters {
    public UpstreamTotalMeters(UpstreamTotals s) {
        super(List.of(
                new NamedCounter("upstreamConnects", "dotgate.stats.upstream.connects",
                        "Upstream connections established, all upstreams (Stats)",
                        s.connects),
                new NamedCounter("upstreamConnectFailures", "dotgate.stats.upstream.connect.failures",
                        "Upstream connection attempts that failed, all upstreams (Stats)",
                        s.connectFailures),
                new NamedCounter("upstreamSilentClosed", "dotgate.upstream.silent.closed",
                        "Upstream connections closed, or udp upstreams skipped, because they stopped answering",
                        s.silentClosed),
                new NamedCounter("upstreamIdleClosed", "dotgate.upstream.idle.closed",
                        "Upstream connections closed after being idle",
                        s.idleClosed),
                new NamedCounter("upstreamUnmatched", "dotgate.upstream.unmatched",
                        "Upstream answers that matched no query in flight",
                        s.unmatched),
                new NamedCounter("upstreamLate", "dotgate.upstream.late",
                        "Upstream answers that arrived after their query had completed",
                        s.late),
                new NamedCounter("upstreamMalformed", "dotgate.upstream.malformed",
                        "Upstream messages that could not be read as DNS answers",
                        s.malformed),
                new NamedCounter("upstreamTruncatedRetriedTcp", "dotgate.upstream.truncated.retried.tcp",
                        "Truncated UDP upstream answers retried over TCP",
                        s.truncatedRetriedTcp),
                new NamedCounter("upstreamCaseMismatch", "dotgate.upstream.case.mismatch",
                        "UDP upstream answers dropped as spoofed: the question did not echo "
                                + "the random letter case sent (0x20)",
                        s.caseMismatch)));
    }
}
