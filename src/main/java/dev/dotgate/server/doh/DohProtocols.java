package dev.dotgate.server.doh;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * Sets up a DoH connection once TLS has chosen the protocol: HTTP/2 for ALPN {@code h2}, HTTP/1.1 for
 * {@code http/1.1} or no ALPN at all. Both are bounded the same way: a request line (HTTP/1.1) or header list
 * (HTTP/2) of {@link DohSettings#maxHeaderList()} bytes, a body of the largest query.
 */
public final class DohProtocols extends ApplicationProtocolNegotiationHandler {
    /** Netty's default chunk size: how much of a body is handed on at a time (not what is kept). */
    private static final int MAX_CHUNK = 8192;
    private final DohSettings settings;

    public DohProtocols(DohSettings settings) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.settings = settings;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        ChannelPipeline p = ctx.pipeline();
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            p.addLast(DohFrameCodec.create(settings));
            p.addLast(new DohHttp2Handler(settings));
        } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
            RequestClock clock = new RequestClock();
            p.addLast(clock);
            p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(settings.maxRequestLine())
                    .setMaxHeaderSize(settings.maxHeaderList())
                    .setMaxChunkSize(MAX_CHUNK)));
            p.addLast(new DohAggregator(settings.maxQuerySize()));
            p.addLast(new DohHttp1Handler(settings, clock));
        } else {
            ctx.close(); // the TLS context offers only h2 and http/1.1
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // no log line per hostile client
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // resets and the like before ALPN has chosen: nothing to tell anyone
    }
}
