package dev.dotgate.server;

import dev.dotgate.resolve.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import javax.net.ssl.SSLException;

/** Reports each DoT or DoH handshake's outcome, with the cause of a failure, then leaves the pipeline. */
final class HandshakeWatcher extends ChannelInboundHandlerAdapter {
    private final ConnectionObserver observer;
    private final Transport transport;

    HandshakeWatcher(ConnectionObserver observer, Transport transport) {
        this.observer = observer;
        this.transport = transport;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                observer.handshake(transport, true, null);
            } else {
                observer.handshake(transport, false, cause(ctx, done.cause()));
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static String cause(ChannelHandlerContext ctx, Throwable t) {
        if (Boolean.TRUE.equals(ctx.channel().attr(dev.dotgate.tls.AlpnGuard.REFUSED).get())) {
            return "alpn";
        }
        if (t instanceof SslHandshakeTimeoutException) {
            return "timeout";
        }
        if (t instanceof SSLException) {
            return "protocol";
        }
        return "other";
    }
}
