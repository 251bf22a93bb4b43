package dev.dotgate.observe.metrics;

import dev.dotgate.server.ServerCounters;
import dev.dotgate.server.doh.HttpStatusCounts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/** The listeners' counters ({@link ServerCounters}) and the DoH bad requests by status. */
public final class ServerMeters extends OwnerMeters {
    static final String DOH_BAD_REQUESTS = "dotgate.doh.bad.requests";
    private final ServerCounters counters;

    public ServerMeters(ServerCounters c) {
        super(List.of(
                new NamedCounter("formerr", "dotgate.formerr",
                        "Queries answered FORMERR (malformed, over TCP or DoT)",
                        c.formerr),
                new NamedCounter("notimp", "dotgate.notimp",
                        "Queries answered NOTIMP (unsupported opcode, over TCP or DoT)",
                        c.notimp),
                new NamedCounter("truncated", "dotgate.truncated",
                        "UDP answers sent truncated (TC=1) because they exceeded the client's size",
                        c.truncated),
                new NamedCounter("udpDroppedMalformed", "dotgate.udp.dropped.malformed",
                        "UDP datagrams dropped because they were not DNS queries",
                        c.udpDroppedMalformed),
                new NamedCounter("udpDroppedOverload", "dotgate.udp.dropped.overload",
                        "UDP queries dropped because too many were in flight",
                        c.udpDroppedOverload),
                new NamedCounter("streamClosedUnframeable", "dotgate.stream.closed.unframeable",
                        "TCP or DoT connections closed on a message that was not DNS",
                        c.streamClosedUnframeable),
                new NamedCounter("streamOversized", "dotgate.stream.oversized",
                        "TCP or DoT connections closed on a length prefix over limits.max_query_size",
                        c.streamOversized),
                new NamedCounter("streamFrameTimeout", "dotgate.stream.frame.timeout",
                        "TCP or DoT connections closed because a started query frame (or TLS "
                                + "record) was not complete within limits.frame_timeout",
                        c.streamFrameTimeout),
                new NamedCounter("connectionsRefusedOverLimit", "dotgate.connections.refused.over.limit",
                        "Client connections closed at once: too many open",
                        c.connectionsRefusedOverLimit),
                new NamedCounter("refusedAcl", "dotgate.refused.acl",
                        "Queries refused and DoT connections closed: client outside the access list",
                        c.refusedAcl),
                new NamedCounter("proxyHeaderRejected", "dotgate.proxy.header.rejected",
                        "Connections closed and datagrams dropped from a trusted load balancer "
                                + "without a valid PROXY protocol header",
                        c.proxyHeaderRejected),
                new NamedCounter("proxyHeaderUntrusted", "dotgate.proxy.header.untrusted",
                        "TCP or DoT connections closed: a PROXY protocol header from a source "
                                + "outside proxy_protocol.trusted",
                        c.proxyHeaderUntrusted),
                new NamedCounter("connectionsRefusedAcl", "dotgate.connections.refused.acl",
                        "TCP, DoT and DoH connections closed at accept: client outside the "
                                + "listener's access list",
                        c.connectionsRefusedAcl),
                new NamedCounter("dohStreamsTimedOut", "dotgate.doh.streams.timed.out",
                        "HTTP/2 DoH streams reset (CANCEL): the request was not complete within "
                                + "limits.frame_timeout",
                        c.dohStreamsTimedOut),
                new NamedCounter("dohStreamsRefused", "dotgate.doh.streams.refused",
                        "HTTP/2 DoH streams refused (REFUSED_STREAM): the request bodies being "
                                + "received on the connection already fill its budget",
                        c.dohStreamsRefused),
                new NamedCounter("dohStreamErrors", "dotgate.doh.stream.errors",
                        "HTTP/2 DoH streams reset on a stream error (RFC 9113 section 5.4.2), "
                                + "e.g. a body longer than its Content-Length",
                        c.dohStreamErrors)));
        this.counters = c;
    }

    @Override
    protected void bindMore(MeterRegistry registry) {
        for (int status : HttpStatusCounts.STATUSES) {
            NamedCounter.register(registry, DOH_BAD_REQUESTS, "DoH requests answered with an HTTP error status "
                    + "(malformed, too large, wrong method or type), by status",
                    counters.dohBadRequests.counter(status), Tags.of("status", Integer.toString(status)));
        }
    }
}
