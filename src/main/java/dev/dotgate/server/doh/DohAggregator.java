package dev.dotgate.server.doh;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/**
 * Netty's aggregator, bounded at the largest query ({@code limits.max_query_size}), except that a request over
 * it is not answered here (Netty writes its own 413 at once, which would overtake answers to earlier pipelined
 * requests). It is passed on as a failed request that asks to close, and {@link DohHttp1Handler} answers 413 in
 * its turn. A declared Content-Length over the bound is caught before any of the body is buffered.
 *
 * <p>{@code Expect: 100-continue} is never answered 100 (RFC 9110 section 10.1.1 lets a server skip it; the
 * client sends its body after a short wait): Netty would write its 100, or its own body-less and uncounted 413
 * for a declared length over the bound, at once, ahead of the answers to earlier pipelined requests. So an
 * oversized one takes the in-turn 413 above, and a valid one is read and answered like any other.
 */
final class DohAggregator extends HttpObjectAggregator {
    /** Fired (a user event) once the rest of a body over the limit has been read and dropped. */
    static final Object BODY_DROPPED = new Object() {
        @Override
        public String toString() {
            return "BODY_DROPPED";
        }
    };
    /** Shared: carries no stack trace and no per-request detail. */
    private static final TooLargeRequest TOO_LARGE = new TooLargeRequest();

    DohAggregator(int maxQuerySize) {
        super(maxQuerySize);
    }

    /** Whether the rest of an oversized request's body is being dropped. */
    private boolean dropping;

    @Override
    protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
        super.decode(ctx, msg, out);
        if (dropping && msg instanceof LastHttpContent) {
            dropping = false;
            ctx.fireUserEventTriggered(BODY_DROPPED);
        }
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (oversized instanceof HttpRequest request) {
            DefaultFullHttpRequest failed = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                    request.uri());
            failed.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            failed.setDecoderResult(DecoderResult.failure(TOO_LARGE));
            dropping = true;
            ctx.fireChannelRead(failed); // the rest of its body is dropped by the aggregator
        } else {
            ctx.close();
        }
    }

    /** No interim response at all: see the class comment. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        return null;
    }

    /** A body over the largest query. */
    static final class TooLargeRequest extends TooLongFrameException {
        private static final long serialVersionUID = 1L;

        TooLargeRequest() {
            super("request body too large", null);
        }
    }
}
