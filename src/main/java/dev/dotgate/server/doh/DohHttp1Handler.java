package dev.dotgate.server.doh;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.Backpressure;
import dev.dotgate.server.OnEventLoop;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One HTTP/1.1 DoH connection, after Netty's codec and {@link DohAggregator}. Requests may be pipelined; each
 * gets a slot in arrival order, and answers go out in that order as HTTP/1.1 requires, however they resolve. At
 * most {@code maxInflight} are resolved at once; requests read beyond that wait in their slots, and while slots
 * are that many reading pauses.
 */
final class DohHttp1Handler extends ChannelInboundHandlerAdapter {
    private final QueryIntake intake;
    private final int maxInflight;
    private final DohSettings settings;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private InetSocketAddress client;
    /** The client's limits (null: exempt): over its rate or share, requests wait in their slots. */
    private dev.dotgate.server.StreamThrottle throttle;
    private final Runnable wake = this::drain;
    private boolean closed;
    /** Requests sent down the query path and not answered yet. */
    private int active;

    DohHttp1Handler(DohSettings settings) {
        this.intake = settings.intake();
        this.maxInflight = settings.maxInflight();
        this.settings = settings;
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
            // RFC 8467: padded to 468 bytes when the query was padded.
            ByteBuf answer = exchange.info().padding() ? Padding.padResponse(raw, ctx.alloc()) : raw;
            OnEventLoop.run(ctx.executor(), answer, this::answered);
        }

        private void answered(ByteBuf answer) {
            active--;
            if (closed) {
                answer.release();
                return;
            }
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, answer);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, DohAnswer.MEDIA_TYPE)
                    .set(HttpHeaderNames.CACHE_CONTROL, DohAnswer.cacheControl(answer));
            drain();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = dev.dotgate.server.proxy.ClientAddress.of(ctx.channel()); // the PROXY header's client, if any
        this.throttle = dev.dotgate.server.StreamThrottle.of(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
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
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof DohAggregator.TooLargeRequest
                    ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : cause instanceof TooLongHttpHeaderException
                            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                            : cause instanceof TooLongHttpLineException
                                    ? HttpResponseStatus.REQUEST_URI_TOO_LONG : HttpResponseStatus.BAD_REQUEST;
            error(slot, status, "cannot read the request: " + cause.getMessage(), true);
            return;
        }
        HttpHeaders h = request.headers();
        long contentLength = HttpUtil.getContentLength(request, -1L);
        DohRequest req = DohRequest.of(request.method().name(), request.uri(), h.get(HttpHeaderNames.CONTENT_TYPE),
                contentLength);
        if (!req.ok()) {
            error(slot, HttpResponseStatus.valueOf(req.status()), req.reason(), false);
            return;
        }
        ByteBuf message;
        if (req.postBody()) {
            if (!request.content().isReadable()) {
                error(slot, HttpResponseStatus.BAD_REQUEST, "POST without a body", false);
                return;
            }
            message = request.content().retain();
        } else {
            message = req.message();
        }
        active++;
        if (intake.accept(message, Transport.DOH, client, ctx.executor(), slot, ctx.alloc(),
                throttle == null ? null : throttle.state()) == QueryIntake.Outcome.REJECTED) {
            active--;
            error(slot, HttpResponseStatus.BAD_REQUEST, "not a DNS query", false);
        }
    }

    private void error(Slot slot, HttpResponseStatus status, String reason, boolean close) {
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), reason + "\n");
        slot.response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        slot.response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (status.code() == 405) {
            slot.response.headers().set(HttpHeaderNames.ALLOW, "GET, POST");
        }
        if (close) {
            slot.response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
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
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
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

    private void updateReading() {
        Backpressure.reading(ctx, !closed && slots.size() < maxInflight && ctx.channel().isWritable());
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
