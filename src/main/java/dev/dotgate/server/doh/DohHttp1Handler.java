package dev.dotgate.server.doh;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.server.Backpressure;
import dev.dotgate.server.StreamThrottle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 DoH connection, after Netty's codec and {@link DohAggregator}. Requests may be pipelined; each
 * gets a slot in arrival order, and answers go out in that order as HTTP/1.1 requires, however they resolve. At
 * most {@code maxInflight} are resolved at once; requests read beyond that wait in their slots, and while slots
 * are that many reading pauses.
 *
 * <p>A request that is wrong but readable (bad %-escape, bad base64url, too short or too long a message, wrong
 * method or type) is answered with its 4xx in its turn and the connection goes on. One Netty could not read whole
 * (a request line or headers over the limit, 414/431; a body over the largest query, 413; broken HTTP, 400) is
 * answered in its turn too, and then the connection is closed: the rest of the byte stream cannot be framed. So
 * is a request still incomplete at the frame timeout after its first bytes arrived (408).
 */
final class DohHttp1Handler extends ChannelInboundHandlerAdapter {
    private final int maxInflight;
    private final DohSettings settings;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final RequestClock clock;
    private ChannelHandlerContext ctx;
    private DohConnection connection;
    /** The client's limits (null: exempt): over its rate or share, requests wait in their slots. */
    private StreamThrottle throttle;
    private final Runnable wake = this::drain;
    private boolean closed;
    /** A body over the limit is being read and dropped by {@link DohAggregator}. */
    private boolean dropping;
    /** Requests sent down the query path and not answered yet. */
    private int active;

    DohHttp1Handler(DohSettings settings, RequestClock clock) {
        this.maxInflight = settings.maxInflight();
        this.settings = settings;
        this.clock = clock;
    }

    /** One request's place in the answer order. */
    private final class Slot implements Responder {
        final boolean keepAlive;
        FullHttpResponse response;
        /** Read but not yet sent down the query path (more than {@code maxInflight} ahead); owned here. */
        FullHttpRequest waiting;

        Slot(boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        /** Takes ownership of {@code answer}; any thread. */
        @Override
        public void respond(Exchange exchange, ByteBuf raw) {
            connection.answer(exchange, raw, this::answered);
        }

        private void answered(ByteBuf answer) {
            active--;
            if (closed) {
                answer.release();
                return;
            }
            response = DohHttp1Messages.answer(answer);
            drain();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.connection = new DohConnection(settings, ctx);
        this.throttle = connection.throttle();
        ctx.executor().schedule(this::requestTimeoutCheck, settings.frameTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Answers 408 in its turn, and closes, when a request has been arriving for the frame timeout and is still
     * not complete. Time while we were not reading (too many requests ahead, a full socket) does not count.
     */
    private void requestTimeoutCheck() {
        if (closed || !ctx.channel().isActive()) {
            return;
        }
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.frameTimeoutMillis());
        long now = System.nanoTime();
        long started = clock.startedNanos();
        long next = timeout;
        if (started != RequestClock.IDLE) {
            if (!ctx.channel().config().isAutoRead()) {
                clock.restart(now);
            } else if (now - started >= timeout) {
                Slot slot = new Slot(false);
                slots.add(slot);
                error(slot, DohError.REQUEST_TIMEOUT, true);
                return;
            } else {
                next = started + timeout - now;
            }
        }
        ctx.executor().schedule(this::requestTimeoutCheck, Math.max(next, TimeUnit.MILLISECONDS.toNanos(1)),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        clock.stop();
        if (closed) {
            request.release();
            return;
        }
        Slot slot = new Slot(HttpUtil.isKeepAlive(request));
        slots.add(slot);
        if (active < maxInflight && (throttle == null || throttle.admit(ctx, wake))) {
            try {
                handle(slot, request);
            } finally {
                request.release();
            }
        } else {
            slot.waiting = request; // already read: kept, and reading pauses
        }
        updateReading();
    }

    /** Sends waiting requests down the query path, in order, while fewer than {@code maxInflight} are. */
    private void submitWaiting() {
        while (active < maxInflight && !closed) {
            Slot next = null;
            for (Slot s : slots) {
                if (s.waiting != null) {
                    next = s;
                    break;
                }
            }
            if (next == null || (throttle != null && !throttle.admit(ctx, wake))) {
                return;
            }
            FullHttpRequest request = next.waiting;
            next.waiting = null;
            try {
                handle(next, request); // may answer at once and drain: the scan starts over
            } finally {
                request.release();
            }
        }
    }

    /** Borrows {@code request}. */
    private void handle(Slot slot, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            // Netty's decoder has lost the request framing (or the aggregator drops the body): answer, then close.
            Throwable cause = request.decoderResult().cause();
            dropping |= cause instanceof DohAggregator.TooLargeRequest;
            error(slot, DohHttp1Messages.decodeFailure(cause), true);
            return;
        }
        DohRequest req = DohHttp1Messages.read(request, settings.maxQuerySize());
        if (!req.ok()) {
            error(slot, req.error(), false);
            return;
        }
        active++;
        if (!connection.submit(req.message(), slot)) {
            active--;
            error(slot, DohError.NOT_A_QUERY, false);
        }
    }

    /** Answers {@code error} in {@code slot}'s turn, with a short text; counted and reported. */
    private void error(Slot slot, DohError error, boolean close) {
        slot.response = DohHttp1Messages.error(error, connection.refusal(error), close);
        drain();
    }

    /** Sends the answers that are ready, in request order. */
    private void drain() {
        Slot head;
        boolean wrote = false;
        while (!closed && (head = slots.peek()) != null && head.response != null) {
            slots.poll();
            FullHttpResponse r = head.response;
            HttpUtil.setContentLength(r, r.content().readableBytes());
            boolean keep = head.keepAlive && !r.headers().contains(HttpHeaderNames.CONNECTION,
                    HttpHeaderValues.CLOSE, true);
            if (!keep) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                closed = true;
                releaseSlots();
                ctx.writeAndFlush(r).addListener(f -> closeOnceBodyDropped());
                return;
            }
            ctx.write(r, ctx.voidPromise());
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        submitWaiting();
        updateReading();
    }

    /**
     * Closes after the last answer, unless a body over the limit is still arriving: closing with unread bytes
     * would reset the connection (RST), and the client could lose the answer it has not read yet. Reading and
     * dropping go on until that body is complete, the client closes, or the frame timeout.
     */
    private void closeOnceBodyDropped() {
        if (!dropping) {
            ctx.close();
            return;
        }
        updateReading();
        ctx.executor().schedule(() -> ctx.close(), settings.frameTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    private void updateReading() {
        boolean read = closed ? dropping : slots.size() < maxInflight && ctx.channel().isWritable();
        Backpressure.reading(ctx, read);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        Backpressure.giveUpIfStuck(ctx, settings.writeTimeoutMillis(), ctx::close);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (slots.isEmpty()) {
                ctx.close();
            }
            return;
        }
        if (evt == DohAggregator.BODY_DROPPED) {
            dropping = false;
            if (closed) { // the last answer is out: nothing more to wait for
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        releaseSlots();
        ctx.fireChannelInactive();
    }

    private void releaseSlots() {
        for (Slot s : slots) {
            if (s.response != null) {
                s.response.release();
                s.response = null;
            }
            if (s.waiting != null) {
                s.waiting.release();
                s.waiting = null;
            }
        }
        slots.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
