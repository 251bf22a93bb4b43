package dev.dotgate.server.doh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;

/**
 * Writes the responses of one HTTP/2 DoH connection (HEADERS then DATA with END_STREAM on the stream asked), and
 * closes the connection when its client takes none of our answers for the write timeout (RFC 9113 flow control
 * or a full socket). Event-loop only.
 */
final class DohHttp2Writer {
    private static final AsciiString STATUS_OK = AsciiString.cached("200");
    private final ChannelHandlerContext ctx;
    private final long writeTimeoutMillis;
    /** Answers handed to the codec whose DATA has not gone out yet, and how many went out so far. */
    private int unsent;
    private long sent;
    private boolean stallCheckScheduled;
    private final ChannelFutureListener onSent = f -> {
        unsent--;
        sent++;
    };

    DohHttp2Writer(ChannelHandlerContext ctx, long writeTimeoutMillis) {
        this.ctx = ctx;
        this.writeTimeoutMillis = writeTimeoutMillis;
    }

    /** A 200 with {@code answer} (ownership taken) on {@code stream}; the connection is open. */
    void answer(Http2FrameStream stream, ByteBuf answer) {
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
            ctx.executor().schedule(() -> stallCheck(seen), writeTimeoutMillis, TimeUnit.MILLISECONDS);
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
            ctx.executor().schedule(() -> stallCheck(now), writeTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** {@code error}'s status with its text {@code body} (ownership taken) on {@code stream}. */
    void error(Http2FrameStream stream, DohError error, ByteBuf body) {
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
}
