package dev.dotgate.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.util.concurrent.Future;

/**
 * Sits in front of a server's SslHandler until the TLS ClientHello has arrived, and refuses one that declares
 * more than {@code maxClientHello} bytes: the connection is closed at once, before a buffer of the declared size
 * is allocated (Netty's own default would take up to 16 MiB per connection on the strength of a 10-byte header),
 * counted in {@link TlsCounters#clientHelloTooLong}, and the failed handshake reported with cause
 * {@value #CAUSE_TOO_LONG}. A hello within the limit passes on, with the bytes buffered so far, to the
 * SslHandler behind, and this handler leaves the pipeline. Until then it holds what the client has sent of the
 * current TLS record (at most 5 + 65535 bytes, the record length being 2 bytes; nothing reserved ahead) and,
 * for a hello spread over several records, a buffer of its declared length: at most {@code maxClientHello}.
 */
public class ClientHelloLimit extends SslClientHelloHandler<Boolean> {
    /** The handshake failure cause of a refused oversized ClientHello. */
    public static final String CAUSE_TOO_LONG = "client_hello_too_long";

    protected final TlsCounters counters;

    public ClientHelloLimit(TlsCounters counters, int maxClientHello) {
        super(maxClientHello);
        this.counters = counters;
    }

    /** Whether {@code cause}, as carried by the failed handshake event, is an oversized ClientHello. */
    public static boolean tooLong(Throwable cause) {
        return cause instanceof TooLongFrameException;
    }

    @Override
    protected Future<Boolean> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        return ctx.executor().newSucceededFuture(Boolean.TRUE);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<Boolean> future) {
        ctx.pipeline().remove(this);
    }

    /**
     * The oversized hello: Netty has already fired the failed handshake event and closed the channel; counted
     * here and not passed on, so the handlers behind do not take it for an oversized DNS frame.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (tooLong(cause)) {
            counters.clientHelloTooLong.increment();
            ctx.close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
