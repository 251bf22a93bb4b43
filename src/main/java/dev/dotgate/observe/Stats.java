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
 * <p>The query path's counters are {@code resolve}'s {@link #queryCounters} and the upstream totals
 * {@code upstream}'s {@link #upstreamTotals}; the fields named after them ({@link #queries} to
 * {@link #upstreamCaseMismatch}) and after the listeners' counters ({@link #formerr} and the rest of that block)
 * are the same adder objects, for the callers and tests that reach them through this class.
 */
public final class Stats {
    /** What the listeners count (refusals, drops, closes, DoH resets and bad requests). */
    public final ServerCounters server = new ServerCounters();
    /** What the TLS front refuses before a handshake. */
    public final TlsCounters tls = new TlsCounters();
    /** What the client limits held back, by reason and transport; RRL slips and client-table overflows. */
    public final LimitCounters rateLimited = new LimitCounters();

    /** The query path's counters, owned by {@code resolve}; the fields of the same names below are its adders. */
    public final dev.dotgate.resolve.QueryCounters queryCounters = new dev.dotgate.resolve.QueryCounters();
    /** The upstreams' gateway-wide counters, owned by {@code upstream}; read through the upstream* fields below. */
    public final dev.dotgate.upstream.UpstreamTotals upstreamTotals = new dev.dotgate.upstream.UpstreamTotals();
    public final LongAdder queries = queryCounters.queries;
    public final LongAdder completed = queryCounters.completed;
    public final LongAdder answered = queryCounters.answered;
    public final LongAdder servfailTimeout = queryCounters.servfailTimeout;
    public final LongAdder servfailNoUpstream = queryCounters.servfailNoUpstream;
    public final LongAdder retries = queryCounters.retries;
    public final LongAdder upstreamConnects = upstreamTotals.connects;
    public final LongAdder upstreamConnectFailures = upstreamTotals.connectFailures;
    public final LongAdder upstreamSilentClosed = upstreamTotals.silentClosed;
    public final LongAdder upstreamIdleClosed = upstreamTotals.idleClosed;
    public final LongAdder upstreamUnmatched = upstreamTotals.unmatched;
    public final LongAdder upstreamLate = upstreamTotals.late;
    public final LongAdder upstreamMalformed = upstreamTotals.malformed;
    public final LongAdder upstreamTruncatedRetriedTcp = upstreamTotals.truncatedRetriedTcp;
    /** udp:// answers dropped because their question did not echo the letter case sent (0x20): spoofed. */
    public final LongAdder upstreamCaseMismatch = upstreamTotals.caseMismatch;

    // The same adders as in server, for the callers and tests that reach them through this class.
    public final LongAdder formerr = server.formerr;
    public final LongAdder notimp = server.notimp;
    public final LongAdder udpDroppedMalformed = server.udpDroppedMalformed;
    public final LongAdder streamClosedUnframeable = server.streamClosedUnframeable;
    public final LongAdder refusedAcl = server.refusedAcl;
    public final LongAdder connectionsRefusedAcl = server.connectionsRefusedAcl;

    private final List<OwnerMeters> meters = List.of(new ResolveMeters(queryCounters), new ServerMeters(server),
            new TlsMeters(tls), new UpstreamTotalMeters(upstreamTotals), new LimitMeters(rateLimited));

    /** Queries accepted and not yet answered. */
    public long inflight() {
        return queryCounters.inflight();
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
