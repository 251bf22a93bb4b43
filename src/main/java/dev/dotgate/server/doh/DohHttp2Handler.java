package dev.dotgate.server.doh;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.net.InetSocketAddress;

/**
 * One HTTP/2 DoH connection, on the frames of Netty's {@code Http2FrameCodec}: each stream is one query. A GET
 * is resolved when its headers arrive, a POST once its body is complete (at most 65,535 bytes). Streams are
 * answered as they resolve, in any order. The codec bounds concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS).
 */
final class DohHttp2Handler extends ChannelInboundHandlerAdapter {
    private static final AsciiString STATUS_OK = AsciiString.cached("200");
    private final QueryIntake intake;
    private final DohSettings settings;
    private final IntObjectMap<ByteBuf> bodies = new IntObjectHashMap<>();
    private ChannelHandlerContext ctx;
    private InetSocketAddress client;
    private int inflight;

    DohHttp2Handler(DohSettings settings) {
        this.intake = settings.intake();
        this.settings = settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = dev.dotgate.server.proxy.ClientAddress.of(ctx.channel()); // the PROXY header's client, if any
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame headers) {
            onHeaders(headers);
        } else if (msg instanceof Http2DataFrame data) {
            onData(data);
        } else if (msg instanceof Http2ResetFrame reset) {
            ByteBuf body = bodies.remove(reset.stream().id());
            if (body != null) {
                body.release();
            }
        } else {
            ReferenceCountUtil.release(msg); // settings, pings, GOAWAY: the codec has acted on them
        }
    }

    private void onHeaders(Http2HeadersFrame frame) {
        Http2FrameStream stream = frame.stream();
        if (bodies.containsKey(stream.id())) { // trailers end a POST body
            if (frame.isEndStream()) {
                finishBody(stream);
            }
            return;
        }
        Http2Headers h = frame.headers();
        CharSequence length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        long contentLength = -1;
        if (length != null) {
            try {
                contentLength = Long.parseLong(length.toString().trim());
            } catch (NumberFormatException e) {
                error(stream, 400, "Content-Length is not a number", !frame.isEndStream());
                return;
            }
        }
        CharSequence path = h.path();
        DohRequest req = DohRequest.of(h.method(), path == null ? null : path.toString(),
                h.get(HttpHeaderNames.CONTENT_TYPE), contentLength);
        if (!req.ok()) {
            error(stream, req.status(), req.reason(), !frame.isEndStream());
        } else if (!req.postBody()) {
            submit(stream, req.message());
        } else if (frame.isEndStream()) {
            error(stream, 400, "POST without a body", false);
        } else {
            int initial = contentLength > 0 ? (int) contentLength : 512;
            bodies.put(stream.id(), ctx.alloc().buffer(initial, DohRequest.MAX_MESSAGE));
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
            ByteBuf body = bodies.get(stream.id());
            if (body == null) {
                return; // a stream already answered (an error) or reset
            }
            if (frame.content().readableBytes() > body.maxWritableBytes()) {
                bodies.remove(stream.id()).release();
                error(stream, 413, "a DNS message is at most " + DohRequest.MAX_MESSAGE + " bytes", true);
                return;
            }
            body.writeBytes(frame.content());
            if (frame.isEndStream()) {
                finishBody(stream);
            }
        } finally {
            frame.release();
        }
    }

    private void finishBody(Http2FrameStream stream) {
        ByteBuf body = bodies.remove(stream.id());
        if (!body.isReadable()) {
            body.release();
            error(stream, 400, "POST without a body", false);
        } else {
            submit(stream, body);
        }
    }

    /** Takes ownership of {@code message}. */
    private void submit(Http2FrameStream stream, ByteBuf message) {
        inflight++;
        Responder responder = (exchange, answer) -> respond(stream, exchange, answer);
        if (intake.accept(message, Transport.DOH, client, ctx.executor(), responder, ctx.alloc())
                == QueryIntake.Outcome.REJECTED) {
            inflight--;
            error(stream, 400, "not a DNS query", false);
        }
    }

    /** Takes ownership of {@code answer}; any thread. */
    private void respond(Http2FrameStream stream, Exchange exchange, ByteBuf raw) {
        // RFC 8467: padded to 468 bytes when the query was padded.
        ByteBuf answer = exchange.info().padding() ? Padding.padResponse(raw, ctx.alloc()) : raw;
        if (ctx.executor().inEventLoop()) {
            write(stream, answer);
        } else {
            try {
                ctx.executor().execute(() -> write(stream, answer));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                answer.release(); // shutting down: the connection is gone
            }
        }
    }

    private void write(Http2FrameStream stream, ByteBuf answer) {
        inflight--;
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
        ctx.writeAndFlush(new DefaultHttp2DataFrame(answer, true).stream(stream));
    }

    /** Answers {@code status} with a short text; {@code abort} asks the client to stop sending the body. */
    private void error(Http2FrameStream stream, int status, String reason, boolean abort) {
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), reason + "\n");
        Http2Headers headers = new DefaultHttp2Headers(false, 4)
                .status(Integer.toString(status))
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (status == 405) {
            headers.set(HttpHeaderNames.ALLOW, "GET, POST");
        }
        ctx.write(new DefaultHttp2HeadersFrame(headers).stream(stream));
        ctx.write(new DefaultHttp2DataFrame(body, true).stream(stream));
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        settings.writability(ctx, true); // concurrent streams are bounded by the codec's settings
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (inflight == 0 && bodies.isEmpty()) {
                ctx.close(); // the codec sends GOAWAY first
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        bodies.values().forEach(ByteBuf::release);
        bodies.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // protocol errors (the codec has sent GOAWAY), TLS failures, resets
    }
}
