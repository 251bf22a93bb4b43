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
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 DoH connection, on the frames of Netty's {@code Http2FrameCodec}: each stream is one query. A GET
 * is resolved when its headers arrive, a POST once its body is complete (at most 65,535 bytes, within the write
 * timeout of its headers, else the stream is reset). Streams are answered as they resolve, in any order. The
 * codec bounds concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS); an error on one stream resets that stream
 * only. A client that takes none of our answers (flow control or a full socket) for the write timeout is closed,
 * and so is one that sends no request for the idle timeout with nothing in flight, PINGs or not.
 */
final class DohHttp2Handler extends ChannelInboundHandlerAdapter {
    private static final AsciiString STATUS_OK = AsciiString.cached("200");
    private final QueryIntake intake;
    private final DohSettings settings;
    private final IntObjectMap<Body> bodies = new IntObjectHashMap<>();
    /** Answers handed to the codec whose DATA has not gone out yet, and how many went out so far. */
    private int unsent;
    private long sent;
    private boolean stallCheckScheduled;
    private boolean bodySweepScheduled;
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

    /** A POST body being received. */
    private record Body(ByteBuf buf, Http2FrameStream stream, long startedNanos) {
    }

    DohHttp2Handler(DohSettings settings) {
        this.intake = settings.intake();
        this.settings = settings;
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
        if (inflight == 0 && bodies.isEmpty() && quiet >= idleNanos) {
            ctx.close(); // the codec sends GOAWAY first
            return;
        }
        long next = inflight == 0 && bodies.isEmpty() ? idleNanos - quiet : idleNanos;
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
            dropBody(reset.stream().id());
        } else {
            ReferenceCountUtil.release(msg); // settings, pings, GOAWAY: the codec has acted on them
        }
    }

    private void onHeaders(Http2HeadersFrame frame) {
        Http2FrameStream stream = frame.stream();
        Http2Headers h = frame.headers();
        lastActivity = System.nanoTime();
        if (h.method() == null) { // trailers: they end a POST body; after an early answer they are ignored
            if (frame.isEndStream() && bodies.containsKey(stream.id())) {
                finishBody(stream);
            }
            return;
        }
        CharSequence length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        long contentLength = -1;
        if (length != null) {
            try {
                contentLength = Long.parseLong(length.toString().trim());
            } catch (NumberFormatException e) {
                error(stream, 400, "Content-Length is not a number");
                return;
            }
        }
        CharSequence path = h.path();
        DohRequest req = DohRequest.of(h.method(), path == null ? null : path.toString(),
                h.get(HttpHeaderNames.CONTENT_TYPE), contentLength);
        if (!req.ok()) {
            error(stream, req.status(), req.reason());
        } else if (!req.postBody()) {
            submit(stream, req.message());
        } else if (frame.isEndStream()) {
            error(stream, 400, "POST without a body");
        } else {
            // Grown as bytes arrive: a declared length alone reserves little.
            int initial = (int) Math.min(contentLength > 0 ? contentLength : 512, 512);
            bodies.put(stream.id(), new Body(ctx.alloc().buffer(initial, DohRequest.MAX_MESSAGE), stream,
                    System.nanoTime()));
        }
    }

    private void onData(Http2DataFrame frame) {
        Http2FrameStream stream = frame.stream();
        try {
            int flowControlled = frame.initialFlowControlledBytes();
            if (flowControlled > 0) {
                // Give the bytes back at once: a body is bounded below, so the window never needs to hold us.
                ctx.write(new DefaultHttp2WindowUpdateFrame(flowControlled).stream(stream), ctx.voidPromise());
            }
            Body body = bodies.get(stream.id());
            if (body == null) {
                return; // a stream already answered: the rest of its body is dropped
            }
            if (frame.content().readableBytes() > body.buf().maxWritableBytes()) {
                dropBody(stream.id());
                error(stream, 413, "a DNS message is at most " + DohRequest.MAX_MESSAGE + " bytes");
                return;
            }
            body.buf().writeBytes(frame.content());
            if (frame.isEndStream()) {
                finishBody(stream);
            }
        } finally {
            frame.release();
        }
    }

    private void finishBody(Http2FrameStream stream) {
        ByteBuf body = bodies.remove(stream.id()).buf();
        if (!body.isReadable()) {
            body.release();
            error(stream, 400, "POST without a body");
        } else {
            submit(stream, body);
        }
    }

    private void dropBody(int streamId) {
        Body body = bodies.remove(streamId);
        if (body != null) {
            body.buf().release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!bodies.isEmpty() && !bodySweepScheduled) {
            // A body still incomplete after a whole read: give it the write timeout to arrive.
            bodySweepScheduled = true;
            ctx.executor().schedule(this::sweepBodies, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelReadComplete();
    }

    private void sweepBodies() {
        bodySweepScheduled = false;
        long deadline = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(settings.writeTimeoutMillis());
        bodies.values().removeIf(b -> {
            boolean late = b.startedNanos() - deadline <= 0;
            if (late) {
                b.buf().release();
                if (ctx.channel().isActive()) {
                    ctx.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(b.stream()));
                }
            }
            return late;
        });
        ctx.flush();
        if (!bodies.isEmpty()) {
            bodySweepScheduled = true;
            ctx.executor().schedule(this::sweepBodies, settings.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
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
            error(stream, 400, "not a DNS query");
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
     * Answers {@code status} with a short text. A body the client is still sending is taken and dropped (its
     * window returned) rather than stopped with the RST_STREAM(NO_ERROR) RFC 9113 allows: curl 7.88 reports that
     * as an empty reply.
     */
    private void error(Http2FrameStream stream, int status, String reason) {
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), reason + "\n");
        Http2Headers headers = new DefaultHttp2Headers(false, 4)
                .status(Integer.toString(status))
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (status == 405) {
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
        bodies.values().forEach(b -> b.buf().release());
        bodies.clear();
        while (!held.isEmpty()) {
            held.poll();
            ((ByteBuf) held.poll()).release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException e) {
            // An error on one stream (RFC 9113 section 5.4.2): that stream is reset, the others go on.
            dropBody(e.stream().id());
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(e.error()).stream(e.stream()));
            return;
        }
        ctx.close(); // protocol errors (the codec has sent GOAWAY), TLS failures, resets
    }
}
