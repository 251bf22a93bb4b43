package dev.dotgate.server.doh;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/**
 * Sets up a DoH connection once TLS has chosen the protocol: HTTP/2 for ALPN {@code h2}, HTTP/1.1 for
 * {@code http/1.1} or no ALPN at all.
 */
public final class DohProtocols extends ApplicationProtocolNegotiationHandler {
    private static final int MAX_HEADER_LIST = 16 * 1024;
    private static final int MAX_REQUEST_LINE = 16 * 1024;
    private final DohSettings settings;

    public DohProtocols(DohSettings settings) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.settings = settings;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        ChannelPipeline p = ctx.pipeline();
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            p.addLast(Http2FrameCodecBuilder.forServer()
                    .initialSettings(Http2Settings.defaultSettings()
                            .maxConcurrentStreams(settings.maxInflight())
                            .maxHeaderListSize(MAX_HEADER_LIST))
                    .build());
            p.addLast(new DohHttp2Handler(settings));
        } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
            p.addLast(new HttpServerCodec(MAX_REQUEST_LINE, MAX_HEADER_LIST, 8192));
            p.addLast(new DohAggregator());
            p.addLast(new DohHttp1Handler(settings));
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
