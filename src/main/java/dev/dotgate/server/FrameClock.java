package dev.dotgate.server;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.proxy.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledFuture;

/**
 * The two clocks of a TCP or DoT client connection, on one timer on the connection's event loop:
 * <ul>
 * <li><b>idle</b>: counted from accept and from the last complete query or answer, not from bytes, so a client
 * trickling bytes cannot keep a connection open. When it runs out an {@link IdleStateEvent} goes down the
 * pipeline; {@link StreamQueryHandler} closes the connection if nothing is in flight.</li>
 * <li><b>frame</b>: a query frame (or, on DoT, a TLS record) that has started must be complete within
 * {@code limits.frame_timeout}, else the connection is closed, counted in {@link ServerCounters#streamFrameTimeout} and
 * reported as a dropped message with reason {@value #REASON}. While the gateway itself has stopped reading
 * (backpressure) the frame clock does not run against the client.</li>
 * </ul>
 * Sits in front of the frame decoder, sees the decrypted bytes ({@link FrameTracker#dns}) and the answers going
 * out; on DoT {@link #tlsRecords()} goes in front of the TLS handlers to follow the records. Reads are passed on
 * untouched (their owner stays the next handler). No allocation per query: the timer fires at most every frame
 * timeout and is rescheduled from there.
 */
final class FrameClock extends ChannelDuplexHandler {
    /** The reason of the drop event. */
    static final String REASON = "frame_timeout";

    private final long frameTimeoutNanos;
    private final long idleTimeoutNanos;
    private final Transport transport;
    private final ServerCounters counters;
    private final QueryLifecycleObserver observer;
    private final FrameTracker frames = FrameTracker.dns();
    private final FrameTracker records;
    private final Runnable tick = this::tick;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private long lastActivity;
    private long frameStart;
    private boolean inFrame;

    FrameClock(Transport transport, long frameTimeoutMillis, long idleTimeoutMillis, ServerCounters counters,
            QueryLifecycleObserver observer) {
        this.transport = transport;
        this.frameTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(frameTimeoutMillis);
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.counters = counters;
        this.observer = observer;
        this.records = transport.encrypted() ? FrameTracker.tlsRecords() : null;
    }

    /**
     * DoT: the handler to put in front of the TLS handlers, which follows the TLS records for this clock. Passes
     * every read on untouched.
     */
    ChannelInboundHandlerAdapter tlsRecords() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) {
                if (msg instanceof ByteBuf buf) {
                    records.follow(buf);
                    framing();
                }
                c.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastActivity = System.nanoTime();
        if (ctx.channel().isActive()) {
            schedule(lastActivity);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (timer == null) {
            schedule(System.nanoTime());
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && frames.follow(buf) > 0) {
            lastActivity = System.nanoTime(); // a complete query
        }
        framing();
        ctx.fireChannelRead(msg);
    }

    /** Notes when a frame or record starts, and when none is left unfinished. */
    private void framing() {
        boolean partial = frames.partial() || (records != null && records.partial());
        if (partial && !inFrame) {
            frameStart = System.nanoTime();
        }
        inFrame = partial;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastActivity = System.nanoTime(); // an answer
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void tick() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (inFrame) {
            if (!ctx.channel().config().isAutoRead()) {
                frameStart = now; // we stopped reading, not the client: its frame waits on us
            } else if (now - frameStart >= frameTimeoutNanos) {
                counters.streamFrameTimeout.increment();
                observer.dropped(transport, ClientAddress.of(ctx.channel()), Decision.MALFORMED, REASON);
                ctx.close();
                return;
            }
        }
        if (now - lastActivity >= idleTimeoutNanos) {
            lastActivity = now; // told once per idle period; StreamQueryHandler closes if nothing is in flight
            ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
            if (!ctx.channel().isActive()) {
                return;
            }
        }
        schedule(now);
    }

    /**
     * The next tick: at the idle deadline or the started frame's deadline, and never later than one frame timeout
     * from now, so a frame that starts meanwhile needs no new timer.
     */
    private void schedule(long now) {
        long next = Math.min(lastActivity + idleTimeoutNanos, (inFrame ? frameStart : now) + frameTimeoutNanos);
        timer = ctx.executor().schedule(tick, Math.max(next - now, TimeUnit.MILLISECONDS.toNanos(1)),
                TimeUnit.NANOSECONDS);
    }
}
