package dev.dotgate.server.proxy;

import dev.dotgate.policy.AccessList;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.ServerCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt, v2 binary and, on streams, v1 text) for listeners behind a
 * load balancer. Peers inside the trusted ranges must start every connection, and every datagram, with a header
 * naming the real client; that client is then what the access lists, events and metrics see. Peers outside the
 * ranges are served as themselves and never have a header honoured. With no trusted range the protocol is off and
 * costs nothing. Immutable and shared by all listeners.
 */
public final class ProxyProtocol {
    /** TLV bytes accepted after the addresses (skipped); dnsdist's default for the whole header is 512. */
    public static final int MAX_TLV = 1024;
    /** Largest header accepted: 16 fixed bytes, 216 address bytes (the AF_UNIX size), {@link #MAX_TLV}. */
    public static final int MAX_HEADER = 16 + 216 + MAX_TLV;
    /** Event reason: a trusted peer sent no valid header (in time). */
    public static final String REASON_HEADER = "proxy_header";
    /** Event reason: a peer outside the trusted ranges sent a header. */
    public static final String REASON_UNTRUSTED = "proxy_untrusted";

    private final AccessList trusted;
    private final long timeoutMillis;
    private final ServerCounters counters;
    private final QueryLifecycleObserver observer;

    /**
     * @param trustedRanges CIDR ranges of the load balancers (already checked by the config loader); empty: off
     * @param headerTimeout a trusted peer must have sent its whole header within this after connecting
     */
    public ProxyProtocol(List<String> trustedRanges, Duration headerTimeout, ServerCounters counters,
            QueryLifecycleObserver observer) {
        this.trusted = trustedRanges.isEmpty() ? null : AccessList.ranges("proxy_protocol.trusted", trustedRanges);
        this.timeoutMillis = headerTimeout.toMillis();
        this.counters = Objects.requireNonNull(counters, "counters");
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** Whether any range is trusted. */
    public boolean enabled() {
        return trusted != null;
    }

    /** Whether {@code peer} is a trusted load balancer (always false when off). */
    public boolean trusts(InetSocketAddress peer) {
        return trusted != null && trusted.allows(peer);
    }

    /**
     * Prepares a new stream connection (TCP, DoT, DoH); call it from the channel initializer, before or after
     * adding the connection's own handlers. From a trusted peer, the PROXY header decoder goes first in the
     * pipeline, and {@code ready} runs once the header is read ({@link ClientAddress#of} then names the real
     * client; bytes after the header flow on to the handlers after it); a peer that sends no valid header within
     * the timeout is closed, counted and reported, and one whose first bytes can start no header is closed, counted
     * and reported at once. From any other peer {@code ready} runs at once; when the
     * protocol is on, a guard first in the pipeline closes the connection if its first bytes are a PROXY header.
     * {@code ready} runs on the channel's event loop and may close the channel (an access list).
     */
    public void install(ChannelPipeline pipeline, Transport transport, Consumer<Channel> ready) {
        Channel ch = pipeline.channel();
        InetSocketAddress peer = (InetSocketAddress) ch.remoteAddress();
        if (trusted == null) {
            ready.accept(ch);
        } else if (trusted.allows(peer)) {
            HeaderDecoder decoder = new HeaderDecoder();
            HeaderReader reader = new HeaderReader(this, transport, peer, decoder, ready);
            pipeline.addFirst(reader);
            pipeline.addFirst(decoder);
            reader.startTimer(ch, timeoutMillis);
        } else {
            pipeline.addFirst(new UntrustedHeaderGuard(this, transport));
            ready.accept(ch);
        }
    }

    /**
     * The client a datagram is from. From a trusted peer the datagram must start with a PROXY v2 header: it is
     * read in place and skipped (the reader index moves past it, nothing is copied) and its source address
     * returned (the peer's own for LOCAL); without a valid header this returns null, counted and reported, and
     * the caller drops the datagram. From any other peer: {@code sender}, the buffer untouched. Borrows
     * {@code content}.
     */
    public InetSocketAddress datagramClient(ByteBuf content, InetSocketAddress sender) {
        if (trusted == null || !trusted.allows(sender)) {
            return sender;
        }
        InetSocketAddress client = DatagramHeader.read(content, sender);
        if (client == null) {
            rejected(Transport.UDP, sender);
        }
        return client;
    }

    void rejected(Transport transport, InetSocketAddress peer) {
        counters.proxyHeaderRejected.increment();
        observer.dropped(transport, peer, Decision.MALFORMED, REASON_HEADER);
    }

    void untrusted(Transport transport, InetSocketAddress peer) {
        counters.proxyHeaderUntrusted.increment();
        observer.dropped(transport, peer, Decision.MALFORMED, REASON_UNTRUSTED);
    }
}
