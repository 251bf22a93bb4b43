package dev.dotgate.server.doh;

import dev.dotgate.server.proxy.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Netty's HTTP/2 frame codec, except that a request whose header block Netty refuses before any handler sees it
 * gets an answer with a reason on its own stream, counted like every other bad request, instead of a bare
 * RST_STREAM or Netty's body-less 431:
 * <ul>
 * <li>a header list over SETTINGS_MAX_HEADER_LIST_SIZE: 431 with a text body (then Netty resets the stream, as it
 * always does);</li>
 * <li>headers Netty's validation rejects (RFC 9113 section 8.1.1: an upper-case or connection-specific field, a
 * misplaced or unknown pseudo-header): 400 with a text body.</li>
 * </ul>
 * The connection goes on either way. A header block whose encoded (HPACK) size is over 1.25 times the limit is
 * still a connection error (Netty's GOAWAY): it must be buffered whole to keep the HPACK state, and no client
 * sends one by mistake.
 */
final class DohFrameCodec extends Http2FrameCodec {
    private final DohSettings settings;

    private DohFrameCodec(Http2ConnectionEncoder encoder, Http2ConnectionDecoder decoder, Http2Settings initial,
            boolean decoupleCloseAndGoAway, boolean flushPreface, DohSettings settings) {
        super(encoder, decoder, initial, decoupleCloseAndGoAway, flushPreface);
        this.settings = settings;
    }

    /**
     * The codec for one connection: a stream window of the largest query plus one byte (a body is never given
     * more room before it is complete, and one byte too many shows at once, for a 413, instead of stalling the
     * stream), at most {@code max_queries_per_connection} streams, header lists up to
     * {@link DohSettings#maxHeaderList()}. The connection window stays at its initial 65,535 bytes.
     */
    static Http2FrameCodec create(DohSettings settings) {
        return new Builder(settings)
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.maxInflight())
                        .initialWindowSize(settings.maxQuerySize() + 1)
                        .maxHeaderListSize(settings.maxHeaderList()))
                .build();
    }

    private static final class Builder extends Http2FrameCodecBuilder {
        private final DohSettings settings;

        Builder(DohSettings settings) {
            this.settings = settings;
            server(true);
            gracefulShutdownTimeoutMillis(0); // as Http2FrameCodecBuilder.forServer()
        }

        @Override
        protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            DohFrameCodec codec = new DohFrameCodec(encoder, decoder, initialSettings, decoupleCloseAndGoAway(),
                    flushPreface(), settings);
            codec.gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis());
            return codec;
        }
    }

    /** Called by Netty for a header list over the limit, on a stream it has just opened for the answer. */
    @Override
    protected void handleServerHeaderDecodeSizeError(ChannelHandlerContext ctx, Http2Stream stream) {
        answer(ctx, stream, DohError.HEADERS_TOO_LARGE);
        // Out before the RST_STREAM Netty writes next, which would otherwise cancel the queued body.
        try {
            encoder().flowController().writePendingBytes();
        } catch (Http2Exception e) {
            onError(ctx, true, e);
        }
    }

    @Override
    public void onError(ChannelHandlerContext ctx, boolean outbound, Throwable cause) {
        if (!outbound && malformedHeaders(ctx, Http2CodecUtil.getEmbeddedHttp2Exception(cause))) {
            ctx.flush();
            return;
        }
        super.onError(ctx, outbound, cause);
    }

    /**
     * Answers 400 on a stream whose headers failed Netty's validation before the stream was opened; false (and
     * Netty resets it) when {@code e} is anything else or the stream cannot be opened (too many, an old id).
     */
    private boolean malformedHeaders(ChannelHandlerContext ctx, Http2Exception e) {
        if (!(e instanceof Http2Exception.StreamException se) || e instanceof Http2Exception.HeaderListSizeException
                || se.error() != Http2Error.PROTOCOL_ERROR || connection().stream(se.streamId()) != null) {
            return false;
        }
        Http2Stream stream;
        try {
            stream = connection().remote().createStream(se.streamId(), true);
        } catch (Http2Exception notNow) {
            return false;
        }
        answer(ctx, stream, DohError.MALFORMED_REQUEST);
        return true;
    }

    /** Writes {@code error}'s status and text, ending the stream; counted and reported. */
    private void answer(ChannelHandlerContext ctx, Http2Stream stream, DohError error) {
        settings.refused(error, ClientAddress.of(ctx.channel()));
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), error.text(settings.maxQuerySize()));
        Http2Headers headers = new DefaultHttp2Headers(false, 3)
                .status(Integer.toString(error.status()))
                .set(HttpHeaderNames.CONTENT_TYPE, DohError.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        encoder().writeHeaders(ctx, stream.id(), headers, 0, false, ctx.newPromise());
        encoder().writeData(ctx, stream.id(), body, 0, true, ctx.newPromise());
    }
}
