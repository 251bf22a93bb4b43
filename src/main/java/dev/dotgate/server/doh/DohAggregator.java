package dev.dotgate.server.doh;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Netty's aggregator, bounded at the largest query ({@code limits.max_query_size}), except that a request over
 * it is not answered here (Netty writes its own 413 at once, which would overtake answers to earlier pipelined
 * requests). It is passed on as a failed request that asks to close, and {@link DohHttp1Handler} answers 413 in
 * its turn. A declared Content-Length over the bound is caught before any of the body is buffered.
 */
final class DohAggregator extends HttpObjectAggregator {
    /** Shared: carries no stack trace and no per-request detail. */
    private static final TooLargeRequest TOO_LARGE = new TooLargeRequest();

    DohAggregator(int maxQuerySize) {
        super(maxQuerySize);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (oversized instanceof HttpRequest request) {
            DefaultFullHttpRequest failed = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                    request.uri());
            failed.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            failed.setDecoderResult(DecoderResult.failure(TOO_LARGE));
            ctx.fireChannelRead(failed); // the rest of its body is dropped by the aggregator
        } else {
            ctx.close();
        }
    }

    /** A body over the largest query. */
    static final class TooLargeRequest extends TooLongFrameException {
        private static final long serialVersionUID = 1L;

        TooLargeRequest() {
            super("request body too large", null);
        }
    }
}
