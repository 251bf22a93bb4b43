package dev.dotgate.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;

/**
 * Reads the TLS ClientHello before the handshake and refuses, with a fatal {@code no_application_protocol}
 * alert (RFC 7301), a client that offers ALPN without "dot": cross-protocol defence, so an HTTP/2 or HTTP/1.1
 * client can never be talked into speaking DNS. A client that sends no ALPN at all is served. Removes itself
 * once the hello has passed, leaving the buffered bytes to the SslHandler behind it. A hello longer than
 * {@code maxClientHello} is refused before it is buffered ({@link ClientHelloLimit}).
 */
public final class AlpnGuard extends ClientHelloLimit {
    private static final int EXT_ALPN = 16;
    private static final byte[] DOT = ServerTls.ALPN_DOT.getBytes(StandardCharsets.US_ASCII);
    /** A TLS 1.2-framed fatal alert record: no_application_protocol (120). */
    private static final byte[] ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 120};

    /** Set on a connection this guard refused, so the failed handshake is reported with cause "alpn". */
    public static final io.netty.util.AttributeKey<Boolean> REFUSED =
            io.netty.util.AttributeKey.valueOf("dotgate.alpnRefused");

    private boolean refused; // on the channel's event loop

    public AlpnGuard(TlsCounters counters, int maxClientHello) {
        super(counters, maxClientHello);
    }

    @Override
    protected Future<Boolean> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        return ctx.executor().newSucceededFuture(clientHello == null || acceptable(clientHello));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<Boolean> future) {
        if (future.isSuccess() && Boolean.TRUE.equals(future.getNow())) {
            ctx.pipeline().remove(this);
        } else if (!refused) {
            // The hello stays buffered in this handler, so closing decodes it again (channelInactive): refuse and
            // count once.
            refused = true;
            counters.refusedAlpn.increment();
            ctx.channel().attr(REFUSED).set(Boolean.TRUE);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(ALERT)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Whether a ClientHello body (from its version field on) has no ALPN extension or one that lists "dot".
     * A hello too malformed to walk is left to the TLS stack to reject.
     */
    static boolean acceptable(ByteBuf hello) {
        int i = hello.readerIndex();
        int end = hello.writerIndex();
        i += 2 + 32;                                        // client_version, random
        if (i + 1 > end) {
            return true;
        }
        i += 1 + hello.getUnsignedByte(i);                  // session_id
        if (i + 2 > end) {
            return true;
        }
        i += 2 + hello.getUnsignedShort(i);                 // cipher_suites
        if (i + 1 > end) {
            return true;
        }
        i += 1 + hello.getUnsignedByte(i);                  // compression_methods
        if (i + 2 > end) {
            return true;                                    // no extensions
        }
        int extEnd = Math.min(end, i + 2 + hello.getUnsignedShort(i));
        i += 2;
        while (i + 4 <= extEnd) {
            int type = hello.getUnsignedShort(i);
            int len = hello.getUnsignedShort(i + 2);
            i += 4;
            if (type == EXT_ALPN) {
                return offersDot(hello, i, Math.min(extEnd, i + len));
            }
            i += len;
        }
        return true;
    }

    private static boolean offersDot(ByteBuf hello, int i, int end) {
        if (i + 2 > end) {
            return false;
        }
        int listEnd = Math.min(end, i + 2 + hello.getUnsignedShort(i));
        i += 2;
        while (i < listEnd) {
            int len = hello.getUnsignedByte(i);
            i++;
            if (len == DOT.length && i + len <= listEnd) {
                boolean same = true;
                for (int k = 0; k < len; k++) {
                    same &= hello.getByte(i + k) == DOT[k];
                }
                if (same) {
                    return true;
                }
            }
            i += len;
        }
        return false;
    }
}
