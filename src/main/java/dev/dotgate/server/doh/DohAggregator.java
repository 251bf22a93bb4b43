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
 * Netty's aggregator, bounded at 65,535 bytes, except that a request over it is not answered here (Netty writes
 * its own 413 at once, which would overtake answers to earlier pipelined requests). It is passed on as a failed
 * request that asks to close, and {@link DohHttp1Handler} answers 413 in its turn.
 */
final class DohAggregator extends HttpObjectAggregator {
    DohAggregator() {
        super(DohRequest.MAX_MESSAGE);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (oversized instanceof HttpRequest request) {
            DefaultFullHttpRequest failed = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                    request.uri());
            failed.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            failed.setDecoderResult(DecoderResult.failure(new TooLargeRequest()));
            ctx.fireChannelRead(failed); // the rest of its body is dropped by the aggregator
        } else {
            ctx.close();
        }
    }

    /** A body over 65,535 bytes. */
    static final class TooLargeRequest extends TooLongFrameException {
        private static final long serialVersionUID = 1L;

        TooLargeRequest() {
            super("a DNS message is at most " + DohRequest.MAX_MESSAGE + " bytes");
        }
    }
}
