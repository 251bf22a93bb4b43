package dev.dotgate.server;

import dev.dotgate.net.Transports;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Acknowledges what the client sends during the TLS handshake at once, so a client's first query does not wait
 * 40 ms on every new connection. A client that leaves Nagle on (the JDK's default, dnsperf's, many stub
 * resolvers') holds each small write until the one before is acknowledged: its query waits behind its Finished,
 * and the JDK's Finished waits behind the ChangeCipherSpec it sends alone first (TLS 1.3 middlebox
 * compatibility). The server has nothing to send at those moments (BoringSSL keeps its TLS 1.3 session tickets
 * until the next write), so each ACK would wait for the kernel's delayed-ACK timer. Until the first decrypted
 * bytes arrive, every read ends with {@link Transports#quickAck} (three or four system calls per connection);
 * then, or when the handshake fails, this handler leaves the pipeline. It sits right after the
 * {@code SslHandler}.
 */
final class FinishedAck extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.pipeline().remove(this); // the first query is here: its answer carries our ACK
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Transports.quickAck(ctx.channel());
        ctx.fireChannelReadComplete();
    }
}
