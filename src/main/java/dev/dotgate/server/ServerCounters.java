package dev.dotgate.server;

import dev.dotgate.server.doh.HttpStatusCounts;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the listeners count: queries and connections they refused, dropped or closed, by why. Owned by this package,
 * which bumps them; {@code observe} reads them for the metrics and the shutdown totals. Thread-safe and cheap to
 * bump from any event loop (one {@link LongAdder} each, no lookup).
 */
public final class ServerCounters {
    /** Queries answered FORMERR (malformed, over TCP, DoT or DoH). */
    public final LongAdder formerr = new LongAdder();
    /** Queries answered NOTIMP (an opcode other than QUERY, over TCP, DoT or DoH). */
    public final LongAdder notimp = new LongAdder();
    /** UDP answers sent truncated (TC=1) because they exceeded the client's payload size. */
    public final LongAdder truncated = new LongAdder();
    /** UDP datagrams dropped because they were not DNS queries. */
    public final LongAdder udpDroppedMalformed = new LongAdder();
    /** UDP queries dropped because too many were in flight. */
    public final LongAdder udpDroppedOverload = new LongAdder();
    /** TCP or DoT connections closed on a message that could not be framed as DNS. */
    public final LongAdder streamClosedUnframeable = new LongAdder();
    /** TCP/DoT connections closed because a frame's length prefix declared more than limits.max_query_size. */
    public final LongAdder streamOversized = new LongAdder();
    /** TCP/DoT connections closed because a started frame was not complete within limits.frame_timeout. */
    public final LongAdder streamFrameTimeout = new LongAdder();
    /** Client connections closed at accept because too many were open. */
    public final LongAdder connectionsRefusedOverLimit = new LongAdder();
    /** Queries refused (and DoT connections closed): client outside the access list. */
    public final LongAdder refusedAcl = new LongAdder();
    /** Connections closed and datagrams dropped from a trusted load balancer without a valid PROXY header. */
    public final LongAdder proxyHeaderRejected = new LongAdder();
    /** Stream connections closed: a PROXY protocol header from a source outside proxy_protocol.trusted. */
    public final LongAdder proxyHeaderUntrusted = new LongAdder();
    /** Stream connections (TCP, DoT, DoH) closed at accept: client outside the listener's access list. */
    public final LongAdder connectionsRefusedAcl = new LongAdder();
    /** HTTP/2 DoH streams reset (CANCEL) because their request did not complete within the frame timeout. */
    public final LongAdder dohStreamsTimedOut = new LongAdder();
    /** HTTP/2 DoH streams refused (REFUSED_STREAM): the connection's request bodies already fill its budget. */
    public final LongAdder dohStreamsRefused = new LongAdder();
    /** HTTP/2 DoH streams reset on a stream error (RFC 9113 section 5.4.2), e.g. a body over its Content-Length. */
    public final LongAdder dohStreamErrors = new LongAdder();
    /** DoH requests answered with an HTTP error status, by status. */
    public final HttpStatusCounts dohBadRequests = new HttpStatusCounts();
}
