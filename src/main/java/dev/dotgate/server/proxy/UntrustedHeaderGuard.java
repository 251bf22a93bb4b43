package dev.dotgate.server.proxy;

import dev.dotgate.resolve.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;

/**
 * First on a stream connection from a peer outside the trusted ranges while the PROXY protocol is on: if the
 * first bytes are a PROXY header (v2 signature or v1 {@code "PROXY "}), the header is not honoured, the
 * connection is closed at once and counted; otherwise it leaves the pipeline and the bytes flow on untouched.
 */
final class UntrustedHeaderGuard extends ChannelInboundHandlerAdapter {
    private final ProxyProtocol proxy;
    private final Transport transport;

    /** The peer counted and reported is the channel's remote address, read only when a header comes. */
    UntrustedHeaderGuard(ProxyProtocol proxy, Transport transport) {
        this.proxy = proxy;
        this.transport = transport;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf first && DatagramHeader.startsWithHeader(first)) {
            first.release();
            proxy.untrusted(transport, (InetSocketAddress) ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}
