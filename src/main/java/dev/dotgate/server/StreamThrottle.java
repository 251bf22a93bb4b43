package dev.dotgate.server;

import dev.dotgate.limits.ClientLimits;
import dev.dotgate.limits.ClientState;
import dev.dotgate.resolve.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;

/**
 * The client limits of one stream connection (TCP, DoT, DoH): made at accept with the client's state, kept on
 * the channel ({@link #of}), so its queries never look the client up again. Before each query the connection's
 * handler asks {@link #admit}; over the client's query rate or in-flight share, the handler keeps the query
 * (its backlog: already-decoded frames wait there) and stops reading, and the throttle wakes it on the
 * channel's event loop once the bucket has a token again (or, for the in-flight share, a few milliseconds
 * later). Backpressure, never a drop. Event-loop only.
 */
public final class StreamThrottle {
    private static final AttributeKey<StreamThrottle> KEY = AttributeKey.valueOf("dotgate.limits.throttle");

    private final ClientLimits limits;
    private final ClientState state;
    private final Transport transport;
    private final Runnable onWake = this::wake;
    private boolean waiting;
    /** Woken and not admitted since: the connection still waits, so a refusal now is not counted again. */
    private boolean retrying;
    private Runnable wake;

    StreamThrottle(ClientLimits limits, ClientState state, Transport transport) {
        this.limits = limits;
        this.state = state;
        this.transport = transport;
    }

    /** Puts a throttle for {@code state} on {@code channel}. */
    static void attach(Channel channel, ClientLimits limits, ClientState state, Transport transport) {
        channel.attr(KEY).set(new StreamThrottle(limits, state, transport));
    }

    /** The throttle of {@code channel}; null when its client is not limited (exempt). */
    public static StreamThrottle of(Channel channel) {
        return channel.attr(KEY).get();
    }

    /** The client's state, for {@code QueryIntake.accept}. */
    public ClientState state() {
        return state;
    }

    /**
     * Whether the connection may hand in its next query now (a token is taken). When not, {@code wake} (the
     * handler's drain, allocated once) runs on the channel's event loop once it may try again, and until then
     * this answers false at once. Counted each time the connection starts to wait, not on each retry while it
     * still waits.
     */
    public boolean admit(ChannelHandlerContext ctx, Runnable wake) {
        if (waiting) {
            return false;
        }
        long nanos = limits.streamWait(state, transport, retrying);
        if (nanos == 0) {
            retrying = false;
            return true;
        }
        waiting = true;
        this.wake = wake;
        ctx.executor().schedule(onWake, nanos, TimeUnit.NANOSECONDS);
        return false;
    }

    /** Whether the connection waits for its share: hand in nothing until woken. */
    public boolean waiting() {
        return waiting;
    }

    private void wake() {
        waiting = false;
        retrying = true;
        wake.run();
        retrying = false; // whatever the drain did, a later wait is a new one
    }
}
