package dev.dotgate.observe;

import dev.dotgate.limits.LimitCounters;
import dev.dotgate.observe.metrics.LimitMeters;
import dev.dotgate.observe.metrics.NamedCounter;
import dev.dotgate.observe.metrics.OwnerMeters;
import dev.dotgate.observe.metrics.ResolveMeters;
import dev.dotgate.observe.metrics.ServerMeters;
import dev.dotgate.observe.metrics.TlsMeters;
import dev.dotgate.observe.metrics.UpstreamTotalMeters;
import dev.dotgate.server.ServerCounters;
import dev.dotgate.server.doh.HttpStatusCounts;
import dev.dotgate.tls.TlsCounters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's counters in one place to read them from: it makes each owner's counters once ({@link #server},
 * {@link #tls}, {@link #rateLimited}) and their meters ({@link #meters()}), and gives the totals logged at shutdown.
 * It counts nothing itself: the listeners, the TLS front and the limits bump their own classes' adders.
 *
 * <p>Two groups are still held here because the packages that bump them ({@code resolve}, {@code upstream}) do not
 * own a counters class yet: the query path's ({@link #queries} to {@link #retries}) and the upstream totals
 * ({@link #upstreamConnects} to {@link #upstreamCaseMismatch}). The adders named after the listeners' counters
 * ({@link #formerr} and the rest of that block) are the same objects as those in {@link #server}, for the callers
 * that reach them through this class.
 */
public final class Stats {
    /** What the listeners count (refusals, drops, closes, DoH resets and bad requests). */
    public final ServerCounters server = new ServerCounters();
    /** What the TLS front refuses before a handshake. */
    public final TlsCounters tls = new TlsCounters();
    /** What the client limits held back, by reason and transport; RRL slips and client-table overflows. */
    public final LimitCounters rateLimited = new LimitCounters();

    // Counted in resolve (Exchange, ForwardingResolver): to move to a resolve-owned class.
    public final LongAdder queries = new LongAdder();
    public final LongAdder completed = new LongAdder();
    public final LongAdder answered = new LongAdder();
    public final LongAdder servfailTimeout = new LongAdder();
    public final LongAdder servfailNoUpstream = new LongAdder();
    public final LongAdder retries = new LongAdder();
    // Counted in upstream (StreamUpstream, PipelinedConnection, DatagramUpstream): to move to an upstream-owned class.
    public final LongAdder upstreamConnects = new LongAdder();
    public final LongAdder upstreamConnectFailures = new LongAdder();
    public final LongAdder upstreamSilentClosed = new LongAdder();
    public final LongAdder upstreamIdleClosed = new LongAdder();
    public final LongAdder upstreamUnmatched = new LongAdder();
    public final LongAdder upstreamLate = new LongAdder();
    public final LongAdder upstreamMalformed = new LongAdder();
    public final LongAdder upstreamTruncatedRetriedTcp = new LongAdder();
    /** udp:// answers dropped because their question did not echo the letter case sent (0x20): spoofed. */
    public final LongAdder upstreamCaseMismatch = new LongAdder();

    // The same adders as in server, for QueryIntake (and the access stage) that take this class.
    public final LongAdder formerr = server.formerr;
    public final LongAdder notimp = server.notimp;
    public final LongAdder udpDroppedMalformed = server.udpDroppedMalformed;
    public final LongAdder streamClosedUnframeable = server.streamClosedUnframeable;
    public final LongAdder refusedAcl = server.refusedAcl;
    public final LongAdder connectionsRefusedAcl = server.connectionsRefusedAcl;

    private final List<OwnerMeters> meters = List.of(new ResolveMeters(this), new ServerMeters(server),
            new TlsMeters(tls), new UpstreamTotalMeters(this), new LimitMeters(rateLimited));

    /** Queries accepted and not yet answered. */
    public long inflight() {
        return queries.sum() - completed.sum();
    }

    /** The meters of every owner held here, each to be bound once ({@code Metrics.bind}). */
    public List<OwnerMeters> meters() {
        return meters;
    }

    /** Every plain counter, as its meters list it. */
    public List<NamedCounter> counters() {
        List<NamedCounter> out = new ArrayList<>();
        for (OwnerMeters m : meters) {
            out.addAll(m.counters());
        }
        return out;
    }

    /** Every plain counter's value by its key ({@link NamedCounter#key}). */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (NamedCounter c : counters()) {
            out.put(c.key(), c.adder().sum());
        }
        return out;
    }

    /** One line of the non-zero totals, for the shutdown log. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        snapshot().forEach((k, v) -> {
            if (v != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v);
            }
        });
        for (var reason : LimitCounters.Reason.values()) {
            long n = rateLimited.total(reason);
            if (n != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append("rateLimited.").append(reason.label()).append('=')
                        .append(n);
            }
        }
        HttpStatusCounts bad = server.dohBadRequests;
        if (bad.total() != 0) {
            sb.append(sb.length() == 0 ? "" : " ").append("dohBadRequests=").append(bad.total());
        }
        return sb.length() == 0 ? "no queries" : sb.toString();
    }
}
