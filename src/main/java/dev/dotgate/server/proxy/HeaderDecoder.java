package dev.dotgate.server.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;

/**
 * Netty's PROXY header decoder (v1 and v2), bounded to {@link ProxyProtocol#MAX_HEADER} bytes, that remembers
 * whether the peer sent anything at all: a trusted peer that connects and closes without a byte (a TCP health
 * check) is not an error. Removes itself after the header; bytes after it go on down the pipeline.
 */
final class HeaderDecoder extends HAProxyMessageDecoder {
    private boolean received;

    HeaderDecoder() {
        super(ProxyProtocol.MAX_TLV);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        received = true;
        super.channelRead(ctx, msg);
    }

    boolean received() {
        return received;
    }
}
