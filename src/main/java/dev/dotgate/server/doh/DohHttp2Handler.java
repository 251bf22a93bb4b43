package dev.dotgate.server.doh;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.Backpressure;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.server.StreamThrottle;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.timeout.IdleStateEvent;
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
    private final QueryIntake intake;
    private final DohSettings settings;
    private final OpenRequests requests;
    private ChannelHandlerContext ctx;
    private DohConnection connection;
    private DohHttp2Writer writer;
    private StreamTimeouts timeouts;
    private InetSocketAddress client;
    /** The client's limits (null: exempt); over its rate or share, queries wait in {@link #held}. */
    private StreamThrottle throttle;
    private final HeldStreams held = new HeldStreams();
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
        this.connection = new DohConnection(settings, ctx);
        this.writer = new DohHttp2Writer(ctx, settings.writeTimeoutMillis());
        this.client = connection.client();
        this.throttle = connection.throttle();
        this.timeouts = new StreamTimeouts(ctx, settings, requests, client);
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
            held.drop(reset.stream().id());
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
        DohRequest req = DohRequest.of(frame.headers(), settings.maxQuerySize());
        if (!req.ok()) {
            earlyError(frame, req.error(), now);
        } else if (!req.postBody()) {
            if (!frame.isEndStream()) {
                requests.dropRest(stream, now); // a GET has no body: whatever DATA comes is dropped
                timeouts.schedule();
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
                timeouts.schedule();
            }
        }
    }

    /** Answers {@code error} to a request whose headers are all we read; DATA still coming is dropped. */
    private void earlyError(Http2HeadersFrame frame, DohError error, long now) {
        error(frame.stream(), error);
        if (!frame.isEndStream()) {
            requests.dropRest(frame.stream(), now);
            timeouts.schedule();
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

    /** Takes ownership of {@code message}. */
    private void submit(Http2FrameStream stream, ByteBuf message) {
        if (throttle != null && (!held.isEmpty() || !throttle.admit(ctx, releaseHeld))) {
            held.add(stream, message); // over the client's rate or in-flight share: waits for releaseHeld
            return;
        }
        send(stream, message);
    }

    private void releaseHeld() {
        while (!held.isEmpty() && ctx.channel().isActive() && throttle.admit(ctx, releaseHeld)) {
            send(held.pollStream(), held.pollMessage());
        }
    }

    /** Takes ownership of {@code message}. */
    private void send(Http2FrameStream stream, ByteBuf message) {
        inflight++;
        Responder responder = (exchange, answer) -> connection.answer(exchange, answer, a -> write(stream, a));
        if (!connection.submit(message, responder)) {
            inflight--;
            error(stream, DohError.NOT_A_QUERY);
        }
    }

    /** Takes ownership of {@code answer}; on the event loop. */
    private void write(Http2FrameStream stream, ByteBuf answer) {
        inflight--;
        lastActivity = System.nanoTime();
        if (!ctx.channel().isActive()) {
            answer.release();
            return;
        }
        writer.answer(stream, answer);
    }

    /**
     * Answers {@code error}'s status with a short text, counted and reported. A body the client is still sending
     * is taken and dropped (its window returned) until it ends or the frame timeout, rather than stopped with the
     * RST_STREAM(NO_ERROR) RFC 9113 allows: curl 7.88 reports that as an empty reply.
     */
    private void error(Http2FrameStream stream, DohError error) {
        writer.error(stream, error, connection.refusal(error));
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
        held.releaseAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException e) {
            // An error on one stream (RFC 9113 section 5.4.2), e.g. a body longer than its Content-Length: that
            // stream is reset, as the RFC asks of a malformed message, and the others go on.
            requests.remove(e.stream().id());
            held.drop(e.stream().id());
            settings.counters().dohStreamErrors.increment();
            intake.observer().dropped(Transport.DOH, client, Decision.MALFORMED, "stream_error");
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(e.error()).stream(e.stream()));
            return;
        }
        ctx.close(); // protocol errors (the codec has sent GOAWAY), TLS failures, resets
    }
}
