package dev.dotgate.server;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.proxy.ClientAddress;
import dev.dotgate.tls.ClientHelloLimit;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import javax.net.ssl.SSLException;

/**
 * Reports each DoT or DoH handshake's outcome, with the cause of a failure, then leaves the pipeline. A
 * connection refused for an oversized ClientHello is also reported as a dropped message (an event).
 */
final class HandshakeWatcher extends ChannelInboundHandlerAdapter {
    private final ConnectionObserver observer;
    private final QueryLifecycleObserver drops;
    private final Transport transport;

    HandshakeWatcher(ConnectionObserver observer, QueryLifecycleObserver drops, Transport transport) {
        this.observer = observer;
        this.drops = drops;
        this.transport = transport;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                observer.handshake(transport, true, null);
                if (TlsResumption.resumed(ctx.pipeline().get(SslHandler.class))) {
                    observer.resumed(transport);
                }
            } else {
                String cause = cause(ctx, done.cause());
                observer.handshake(transport, false, cause);
                if (ClientHelloLimit.CAUSE_TOO_LONG.equals(cause)) {
                    drops.dropped(transport, ClientAddress.of(ctx.channel()), Decision.MALFORMED, cause);
                }
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static String cause(ChannelHandlerContext ctx, Throwable t) {
        if (Boolean.TRUE.equals(ctx.channel().attr(dev.dotgate.tls.AlpnGuard.REFUSED).get())) {
            return "alpn";
        }
        if (ClientHelloLimit.tooLong(t)) {
            return ClientHelloLimit.CAUSE_TOO_LONG;
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
