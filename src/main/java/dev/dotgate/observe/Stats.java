package dev.dotgate.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters for everything the gateway answers, drops or retries. Every drop has a counter here; the totals are
 * logged at shutdown. Thread-safe and cheap to bump from any event loop.
 */
public final class Stats {
    /** The query path's counters, owned by {@code resolve}; the fields of the same names below are its adders. */
    public final dev.dotgate.resolve.QueryCounters queryCounters = new dev.dotgate.resolve.QueryCounters();
    /** The upstreams' gateway-wide counters, owned by {@code upstream}; read through the upstream* fields below. */
    public final dev.dotgate.upstream.UpstreamTotals upstreamTotals = new dev.dotgate.upstream.UpstreamTotals();
    public final LongAdder queries = queryCounters.queries;
    public final LongAdder completed = queryCounters.completed;
    public final LongAdder answered = queryCounters.answered;
    public final LongAdder servfailTimeout = queryCounters.servfailTimeout;
    public final LongAdder servfailNoUpstream = queryCounters.servfailNoUpstream;
    public final LongAdder formerr = new LongAdder();
    public final LongAdder notimp = new LongAdder();
    public final LongAdder truncated = new LongAdder();
    public final LongAdder udpDroppedMalformed = new LongAdder();
    public final LongAdder udpDroppedOverload = new LongAdder();
    public final LongAdder streamClosedUnframeable = new LongAdder();
    /** TCP/DoT connections closed because a frame's length prefix declared more than limits.max_query_size. */
    public final LongAdder streamOversized = new LongAdder();
    /** TCP/DoT connections closed because a started frame was not complete within limits.frame_timeout. */
    public final LongAdder streamFrameTimeout = new LongAdder();
    /** DoT/DoH connections closed because the TLS ClientHello declared more than limits.max_client_hello. */
    public final LongAdder tlsClientHelloTooLong = new LongAdder();
    public final LongAdder connectionsRefusedOverLimit = new LongAdder();
    public final LongAdder dotRefusedAlpn = new LongAdder();
    public final LongAdder refusedAcl = new LongAdder();
    public final LongAdder proxyHeaderRejected = new LongAdder();
    public final LongAdder proxyHeaderUntrusted = new LongAdder();
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
    /** Stream connections (TCP, DoT, DoH) closed at accept: client outside the listener's access list. */
    public final LongAdder connectionsRefusedAcl = new LongAdder();
    /** UDP answers over the response rate sent as a truncated (TC=1) reply instead of being dropped. */
    public final LongAdder rrlSlipped = new LongAdder();
    /**
     * Lookups of a new client while the client table was full: a UDP client shared one of the overflow states, a
     * stream connection got a state of its own.
     */
    public final LongAdder clientTableOverflow = new LongAdder();
    /** What the client limits held back, by reason and transport (dotgate_rate_limited_total). */
    public final dev.dotgate.limits.LimitCounters rateLimited = new dev.dotgate.limits.LimitCounters();
    /** HTTP/2 DoH streams reset (CANCEL) because their request did not complete within the frame timeout. */
    public final LongAdder dohStreamsTimedOut = new LongAdder();
    /** HTTP/2 DoH streams refused (REFUSED_STREAM): the connection's request bodies already fill its budget. */
    public final LongAdder dohStreamsRefused = new LongAdder();
    /** HTTP/2 DoH streams reset on a stream error (RFC 9113 section 5.4.2), e.g. a body over its Content-Length. */
    public final LongAdder dohStreamErrors = new LongAdder();
    /** DoH requests answered with an HTTP error status, by status (dotgate_doh_bad_requests_total{status}). */
    public final HttpStatusCounts dohBadRequests = new HttpStatusCounts();

    /** Queries accepted and not yet answered. */
    public long inflight() {
        return queries.sum() - completed.sum();
    }

    /** All counters by name, in declaration order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (var field : Stats.class.getFields()) {
            if (field.getType() == LongAdder.class) {
                try {
                    out.put(field.getName(), ((LongAdder) field.get(this)).sum());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
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
        for (var reason : dev.dotgate.limits.LimitCounters.Reason.values()) {
            long n = rateLimited.total(reason);
            if (n != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append("rateLimited.").append(reason.label()).append('=')
                        .append(n);
            }
        }
        if (dohBadRequests.total() != 0) {
            sb.append(sb.length() == 0 ? "" : " ").append("dohBadRequests=").append(dohBadRequests.total());
        }
        return sb.length() == 0 ? "no queries" : sb.toString();
    }
}
