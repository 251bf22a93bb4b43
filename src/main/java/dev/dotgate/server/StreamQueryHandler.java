package dev.dotgate.server;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One TCP or DoT client connection (RFC 7766, RFC 7858): any number of queries pipelined, each answered as soon
 * as it resolves, in any order, as one write of length prefix and message. At most {@code maxInflight} queries
 * are worked on at once; beyond that, and while the client does not take our answers, the connection stops
 * reading (backpressure, never drops). Closed when idle with nothing in flight ({@link FrameClock} says when),
 * when the client stops reading answers for the write timeout, or when the stream cannot be framed as DNS: a
 * length prefix over {@code limits.max_query_size} closes the connection at once (the stream cannot be
 * resynchronised without reading the body), counted in {@link ServerCounters#streamOversized} and reported as a
 * dropped message with reason {@value #REASON_OVERSIZED}.
 *
 * <p>The answer is copied into the frame with EDNS options for this connection: padding to
 * {@value Padding#RESPONSE_BLOCK} bytes on DoT when the query was padded (RFC 8467), and our idle timeout
 * (RFC 7828) when the query asked for keepalive.
 */
final class StreamQueryHandler extends ChannelInboundHandlerAdapter implements Responder {
    /** The reason of the drop event for a frame over max_query_size. */
    static final String REASON_OVERSIZED = "oversized";

    private final QueryIntake intake;
    private final ServerCounters counters;
    private final Transport transport;
    private final int maxInflight;
    private final long writeTimeoutMillis;
    private final int keepaliveUnits;
    private final ArrayDeque<ByteBuf> backlog = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private InetSocketAddress client;
    /** The client's limits; null when it is exempt. */
    private StreamThrottle throttle;
    private final Runnable drain = this::drainBacklog;
    private int inflight;
    private boolean closed;

    /** {@code idleTimeoutMillis}: when an idle connection is closed, told to clients that ask (keepalive). */
    StreamQueryHandler(QueryIntake intake, ServerCounters counters, Transport transport, int maxInflight,
            long writeTimeoutMillis, long idleTimeoutMillis) {
        this.keepaliveUnits = (int) Math.min(0xFFFF, idleTimeoutMillis / 100);
        this.intake = intake;
        this.counters = counters;
        this.transport = transport;
        this.maxInflight = maxInflight;
        this.writeTimeoutMillis = writeTimeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = dev.dotgate.server.proxy.ClientAddress.of(ctx.channel()); // behind a load balancer: the real one
        this.throttle = StreamThrottle.of(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (closed) {
            frame.release();
        } else if (inflight >= maxInflight || !backlog.isEmpty()) {
            backlog.add(frame); // already read: kept, bounded by one read while reading is paused
            updateReading();
        } else {
            process(frame);
        }
    }

    private void process(ByteBuf frame) {
        if (throttle != null && !throttle.admit(ctx, drain)) {
            backlog.addFirst(frame); // over the client's rate or in-flight share: waits, reading paused
            updateReading();
            return;
        }
        inflight++;
        updateReading();
        if (intake.accept(frame, transport, client, ctx.executor(), this, ctx.alloc(),
                throttle == null ? null : throttle.state()) == QueryIntake.Outcome.REJECTED) {
            inflight--;
            closeNow();
        }
    }

    /** Takes ownership of {@code answer}; any thread. */
    @Override
    public void respond(Exchange exchange, ByteBuf answer) {
        boolean pad = transport.encrypted() && exchange.info().padding();
        int keepalive = exchange.info().keepalive() ? keepaliveUnits : EdnsOptions.NO_KEEPALIVE;
        if (ctx.executor().inEventLoop()) {
            write(answer, pad, keepalive); // the common case (cache hits, same-loop upstreams): no task, no lambda
        } else {
            OnEventLoop.run(ctx.executor(), answer, a -> write(a, pad, keepalive));
        }
    }

    private void write(ByteBuf answer, boolean pad, int keepalive) {
        inflight--;
        if (closed) {
            answer.release();
            return;
        }
        int len = answer.readableBytes();
        ByteBuf out;
        if (pad || keepalive != EdnsOptions.NO_KEEPALIVE) {
            out = ctx.alloc().ioBuffer(2 + len + Padding.MAX_ANSWER_GROWTH);
            out.writeShort(0);
            out.setShort(0, Padding.writeAnswer(answer, out, pad, keepalive));
        } else {
            out = ctx.alloc().ioBuffer(2 + len);
            out.writeShort(len);
            out.writeBytes(answer, answer.readerIndex(), len);
        }
        answer.release();
        ctx.writeAndFlush(out, ctx.voidPromise());
        drainBacklog();
    }

    private void drainBacklog() {
        ByteBuf next;
        while (inflight < maxInflight && !closed && (throttle == null || !throttle.waiting())
                && (next = backlog.poll()) != null) {
            process(next);
        }
        updateReading();
    }

    private void updateReading() {
        Backpressure.reading(ctx, !closed && inflight < maxInflight && backlog.isEmpty() && ctx.channel().isWritable());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        Backpressure.giveUpIfStuck(ctx, writeTimeoutMillis, this::closeNow);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (inflight == 0 && backlog.isEmpty()) {
                closeNow();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        releaseBacklog();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Unframeable input (TooLongFrame), TLS failures, resets: the connection is beyond saving.
        if (cause instanceof TooLongFrameException && !closed) {
            counters.streamOversized.increment();
            intake.observer().dropped(transport, client, Decision.MALFORMED, REASON_OVERSIZED);
        }
        closeNow();
    }

    private void closeNow() {
        if (!closed) {
            closed = true;
            releaseBacklog();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void releaseBacklog() {
        ByteBuf b;
        while ((b = backlog.poll()) != null) {
            b.release();
        }
    }
}
