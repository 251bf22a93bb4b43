package dev.dotgate.server.doh;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.Backpressure;
import dev.dotgate.server.OnEventLoop;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 DoH connection, on the frames of {@link DohFrameCodec}: each stream is one query. A GET is resolved
 * when its headers arrive, a POST once its body is complete. Streams are answered as they resolve, in any order.
 *
 * <p>Bounds. The codec allows {@code max_queries_per_connection} concurrent streams and gives each a window of
 * the largest query ({@code limits.max_query_size}). A POST declaring more, or sending more, is answered 413. A
 * body being received reserves its declared length out of the connection's budget ({@link
 * DohSettings#bodyBudget()}); a stream that would go over it is refused (RST_STREAM REFUSED_STREAM, safe to
 * retry). A body's bytes are given back to the client as flow-control window only once the whole query has been
 * handed to the query path, or dropped: what a client can make us hold is bounded by the budget, not by how fast
 * it sends. A stream begun and not ended within {@code limits.frame_timeout} is reset (CANCEL).
 *
 * <p>Errors. A bad request gets its 4xx with a short text on its own stream and the other streams go on; so does
 * a stream error (RFC 9113 section 5.4.2), which resets that stream only. A client that takes none of our answers
 * (flow control or a full socket) for the write timeout is closed, and so is one that sends no request for the
 * idle timeout with nothing in flight, PINGs or not.
 */
final class DohHttp2Handler extends ChannelInboundHandlerAdapter {
    private static final AsciiString STATUS_OK = AsciiString.cached("200");
    private final QueryIntake intake;
    private final DohSettings settings;
    private final OpenRequests requests;
    /** Answers handed to the codec whose DATA has not gone out yet, and how many went out so far. */
    private int unsent;
    private long sent;
    private boolean stallCheckScheduled;
    private boolean sweepScheduled;
    private final ChannelFutureListener onSent = f -> {
        unsent--;
        sent++;
    };
    private ChannelHandlerContext ctx;
    private InetSocketAddress client;
    /** The client's limits (null: exempt); over its rate or share, queries wait in {@link #held}. */
    private dev.dotgate.server.StreamThrottle throttle;
    /** Stream, message, stream, message...: at most the codec's concurrent streams. Messages owned here. */
    private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
    private final Runnable releaseHeld = this::releaseHeld;
    private int inflight;
    /** When the last request arrived or the last answer left: PINGs and SETTINGS do not keep a connection open. */
    private long lastActivity = System.nanoTime();

    DohHttp2Handler(DohSettings settings) {
        this.intake = settings.intake();
        this.settings = settings;
        this.requests = new OpenRequests(settings.bodyBudget());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = dev.dotgate.server.proxy.ClientAddress.of(ctx.channel()); // the PROXY header's client, if any
        this.throttle = dev.dotgate.server.StreamThrottle.of(ctx.channel());
        ctx.executor().schedule(this::idleCheck, settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes the connection once it has had no request and nothing in flight for the idle timeout. */
    private void idleCheck() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMillis());
        long quiet = System.nanoTime() - lastActivity;
        boolean nothingOpen = inflight == 0 && requests.isEmpty() && held.isEmpty();
        if (nothingOpen && quiet >= idleNanos) {
            ctx.close(); // the codec sends GOAWAY first
            return;
        }
        long next = nothingOpen ? idleNanos - quiet : idleNanos;
        ctx.executor().schedule(this::idleCheck, Math.max(next, TimeUnit.MILLISECONDS.toNanos(10)),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame headers) {
            onHeaders(headers);
        } else if (msg instanceof Http2DataFrame data) {
            onData(data);
        } else if (msg instanceof Http2ResetFrame reset) {
            requests.remove(reset.stream().id()); // the codec gives its unconsumed bytes back as it closes it
            dropHeld(reset.stream().id());
        } else {
            ReferenceCountUtil.release(msg); // settings, pings, GOAWAY: the codec has acted on them
        }
    }

    private void onHeaders(Http2HeadersFrame frame) {
        Http2FrameStream stream = frame.stream();
        long now = System.nanoTime();
        lastActivity = now;
        OpenRequests.Open open = requests.get(stream.id());
        if (open != null) { // trailers: they end a POST body; after an early answer they are ignored
            if (frame.isEndStream()) {
                if (open.receiving()) {
                    finishBody(open);
                } else {
                    requests.remove(stream.id());
                }
            }
            return;
        }
        Http2Headers h = frame.headers();
        CharSequence length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        long contentLength = -1;
        if (length != null) {
            try {
                contentLength = Long.parseLong(length.toString().trim());
            } catch (NumberFormatException e) { // the codec has checked it already; kept in case
                earlyError(frame, DohError.BAD_CONTENT_LENGTH, now);
                return;
            }
        }
        CharSequence path = h.path();
        DohRequest req = DohRequest.of(h.method(), path == null ? null : path.toString(),
                h.get(HttpHeaderNames.CONTENT_TYPE), contentLength, settings.maxQuerySize());
        if (!req.ok()) {
            earlyError(frame, req.error(), now);
        } else if (!req.postBody()) {
            if (!frame.isEndStream()) {
                requests.dropRest(stream, now); // a GET has no body: whatever DATA comes is dropped
                scheduleSweep();
            }
            submit(stream, req.message());
        } else if (frame.isEndStream()) {
            error(stream, DohError.NO_BODY);
        } else {
            int reservation = req.bodyLength() >= 0 ? (int) req.bodyLength() : settings.maxQuerySize();
            if (requests.receive(stream, reservation, ctx.alloc(), now) == null) {
                // Over the connection's budget for bodies in progress: not processed, so the client may retry.
                settings.counters().dohStreamsRefused.increment();
                ctx.write(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(stream));
            } else {
                scheduleSweep();
            }
        }
    }

    /** Answers {@code error} to a request whose headers are all we read; DATA still coming is dropped. */
    private void earlyError(Http2HeadersFrame frame, DohError error, long now) {
        error(frame.stream(), error);
        if (!frame.isEndStream()) {
            requests.dropRest(frame.stream(), now);
            scheduleSweep();
        }
    }

    /** Takes ownership of {@code frame}. */
    private void onData(Http2DataFrame frame) {
        Http2FrameStream stream = frame.stream();
        try {
            int flowControlled = frame.initialFlowControlledBytes();
            OpenRequests.Open open = requests.get(stream.id());
            if (open == null || !open.receiving()) {
                // A stream already answered: the rest of its body is dropped, and its room given back at once.
                giveBack(stream, flowControlled);
                if (open != null && frame.isEndStream()) {
                    requests.remove(stream.id());
                }
                return;
            }
            open.unconsumed += flowControlled;
            ByteBuf content = frame.content();
            if (content.readableBytes() > open.body().maxWritableBytes()) {
                giveBack(stream, requests.stopReceiving(open));
                error(stream, DohError.BODY_TOO_LARGE);
                if (frame.isEndStream()) {
                    requests.remove(stream.id());
                }
                return;
            }
            open.body().writeBytes(content);
            if (frame.isEndStream()) {
                finishBody(open);
            }
        } finally {
            frame.release();
        }
    }

    /** The client has ended a POST: its body goes down the query path, then its bytes are given back. */
    private void finishBody(OpenRequests.Open open) {
        Http2FrameStream stream = open.stream;
        int unconsumed = open.unconsumed;
        ByteBuf body = requests.finish(open);
        if (!body.isReadable()) {
            body.release();
            error(stream, DohError.NO_BODY);
        } else if (body.readableBytes() < Dns.HEADER_LENGTH) {
            body.release();
            error(stream, DohError.TOO_SHORT);
        } else {
            submit(stream, body);
        }
        giveBack(stream, unconsumed);
    }

    /**
     * Returns {@code bytes} of flow-control window for {@code stream} (and the connection) to the client. The codec
     * consumes them; for a stream already closed it has done so itself.
     */
    private void giveBack(Http2FrameStream stream, int bytes) {
        if (bytes > 0) {
            ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream), ctx.voidPromise());
        }
    }

    /** Runs {@link #sweep} at the frame timeout of the oldest open stream, once. */
    private void scheduleSweep() {
        if (!sweepScheduled && !requests.isEmpty()) {
            sweepScheduled = true;
            long due = requests.oldestStart() + TimeUnit.MILLISECONDS.toNanos(settings.frameTimeoutMillis())
                    - System.nanoTime();
            ctx.executor().schedule(this::sweep, Math.max(due, TimeUnit.MILLISECONDS.toNanos(1)),
                    TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Resets (CANCEL) every stream begun more than the frame timeout ago and not ended by the client. Time while
     * we were not reading (a full socket) does not count.
     */
    private void sweep() {
        sweepScheduled = false;
        if (!ctx.channel().config().isAutoRead()) {
            requests.restartAll(System.nanoTime());
            scheduleSweep();
            return;
        }
        long deadline = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(settings.frameTimeoutMillis());
        boolean reset = false;
        for (OpenRequests.Open late : requests.expired(deadline)) {
            boolean receiving = late.receiving(); // before remove, which releases the body
            requests.remove(late.stream.id());
            settings.counters().dohStreamsTimedOut.increment();
            if (receiving) {
                intake.observer().dropped(Transport.DOH, client, Decision.MALFORMED, "body_timeout");
            }
            if (ctx.channel().isActive()) {
                ctx.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(late.stream));
                reset = true;
            }
        }
        if (reset) {
            ctx.flush();
        }
        scheduleSweep();
    }

    /** Takes ownership of {@code message}. */
    private void submit(Http2FrameStream stream, ByteBuf message) {
        if (throttle != null && (!held.isEmpty() || !throttle.admit(ctx, releaseHeld))) {
            held.add(stream); // over the client's rate or in-flight share: waits for releaseHeld
            held.add(message);
            return;
        }
        send(stream, message);
    }

    /**
     * Forgets the query of stream {@code streamId} if it waits in {@link #held} (the client reset the stream, or
     * it had a stream error), releasing its message: a dead stream is not resolved, and {@link #held} stays
     * within the streams open. A linear scan, bounded by the concurrent streams; only on a reset.
     */
    private void dropHeld(int streamId) {
        java.util.Iterator<Object> it = held.iterator();
        while (it.hasNext()) {
            Http2FrameStream stream = (Http2FrameStream) it.next();
            if (stream.id() == streamId) {
                it.remove();
                ByteBuf message = (ByteBuf) it.next();
                it.remove();
                message.release();
                return;
            }
            it.next(); // its message
        }
    }

    private void releaseHeld() {
        while (!held.isEmpty() && ctx.channel().isActive() && throttle.admit(ctx, releaseHeld)) {
            send((Http2FrameStream) held.poll(), (ByteBuf) held.poll());
        }
    }

    /** Takes ownership of {@code message}. */
    private void send(Http2FrameStream stream, ByteBuf message) {
        inflight++;
        Responder responder = (exchange, answer) -> respond(stream, exchange, answer);
        if (intake.accept(message, Transport.DOH, client, ctx.executor(), responder, ctx.alloc(),
                throttle == null ? null : throttle.state()) == QueryIntake.Outcome.REJECTED) {
            inflight--;
            error(stream, DohError.NOT_A_QUERY);
        }
    }

    /** Takes ownership of {@code raw}; any thread. */
    private void respond(Http2FrameStream stream, Exchange exchange, ByteBuf raw) {
        // RFC 8467: padded to 468 bytes when the query was padded.
        ByteBuf answer = exchange.info().padding() ? Padding.padResponse(raw, ctx.alloc()) : raw;
        OnEventLoop.run(ctx.executor(), answer, a -> write(stream, a));
    }

    private void write(Http2FrameStream stream, ByteBuf answer) {
        inflight--;
        lastActivity = System.nanoTime();
        if (!ctx.channel().isActive()) {
            answer.release();
            return;
        }
        Http2Headers headers = new DefaultHttp2Headers(false, 4)
                .status(STATUS_OK)
                .set(HttpHeaderNames.CONTENT_TYPE, DohAnswer.MEDIA_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, DohAnswer.cacheControl(answer));
        ctx.write(new DefaultHttp2HeadersFrame(headers).stream(stream));
        // A stream the client reset meanwhile fails these writes; the codec releases the data.
        unsent++;
        ctx.writeAndFlush(new DefaultHttp2DataFrame(answer, true).stream(stream)).addListener(onSent);
        if (!stallCheckScheduled) {
            stallCheckScheduled = true;
            long seen = sent;
            ctx.executor().schedule(() -> stallCheck(seen), settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Closes a connection whose client took none of our answers for the write timeout (RFC 9113 flow control). */
    private void stallCheck(long seen) {
        stallCheckScheduled = false;
        if (unsent > 0 && sent == seen) {
            ctx.close();
        } else if (unsent > 0) {
            stallCheckScheduled = true;
            long now = sent;
            ctx.executor().schedule(() -> stallCheck(now), settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Answers {@code error}'s status with a short text, counted and reported. A body the client is still sending
     * is taken and dropped (its window returned) until it ends or the frame timeout, rather than stopped with the
     * RST_STREAM(NO_ERROR) RFC 9113 allows: curl 7.88 reports that as an empty reply.
     */
    private void error(Http2FrameStream stream, DohError error) {
        settings.refused(error, client);
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), error.text(settings.maxQuerySize()));
        Http2Headers headers = new DefaultHttp2Headers(false, 4)
                .status(Integer.toString(error.status()))
                .set(HttpHeaderNames.CONTENT_TYPE, DohError.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (error == DohError.METHOD_NOT_ALLOWED) {
            headers.set(HttpHeaderNames.ALLOW, "GET, POST");
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers).stream(stream));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true).stream(stream));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // Concurrent streams are bounded by the codec's settings; reading pauses only while the socket is full.
        Backpressure.reading(ctx, ctx.channel().isWritable());
        Backpressure.giveUpIfStuck(ctx, settings.writeTimeoutMillis(), ctx::close);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) { // idleness is judged by idleCheck, by requests rather than bytes
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        requests.releaseAll();
        while (!held.isEmpty()) {
            held.poll();
            ((ByteBuf) held.poll()).release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException e) {
            // An error on one stream (RFC 9113 section 5.4.2), e.g. a body longer than its Content-Length: that
            // stream is reset, as the RFC asks of a malformed message, and the others go on.
            requests.remove(e.stream().id());
            dropHeld(e.stream().id());
            settings.counters().dohStreamErrors.increment();
            intake.observer().dropped(Transport.DOH, client, Decision.MALFORMED, "stream_error");
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(e.error()).stream(e.stream()));
            return;
        }
        ctx.close(); // protocol errors (the codec has sent GOAWAY), TLS failures, resets
    }
}
