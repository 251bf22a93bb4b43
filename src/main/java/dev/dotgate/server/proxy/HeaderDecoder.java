package dev.dotgate.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's PROXY header decoder (v1 and v2), bounded to {@link ProxyProtocol#MAX_HEADER} bytes, that remembers
 * whether the peer sent anything at all: a trusted peer that connects and closes without a byte (a TCP health
 * check) is not an error. Removes itself after the header; bytes after it go on down the pipeline.
 *
 * <p>Netty's decoder waits for 13 bytes before it picks a version, and for a line end before it judges a v1
 * header, so a trusted peer that sends a short message that is no header at all (a DNS query, a probe) would
 * only be closed by the header timeout. This decoder checks each byte of the first twelve as it arrives against
 * the starts of both headers (the v2 signature and {@code "PROXY "}) and fails at once, with a
 * {@link DecoderException} as Netty's own decoder does, when it can start neither.
 */
final class HeaderDecoder extends HAProxyMessageDecoder {
    /** The v2 signature {@code \r\n\r\n\0\r\nQUIT\n}. */
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** The start of a v1 (text) header. */
    private static final byte[] V1 = {'P', 'R', 'O', 'X', 'Y', ' '};

    private boolean received;
    /** How many of the first bytes have been checked; past {@code V2.length} the check is over. */
    private int checked;
    /** Set once the first bytes could start no header: what still arrives before the close is dropped. */
    private boolean failed;
    private boolean maybeV2 = true;
    private boolean maybeV1 = true;

    HeaderDecoder() {
        super(ProxyProtocol.MAX_TLV);
    }

    /** Takes ownership of {@code msg}: passed on to the decoder, or released when it cannot start a header. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        received = true;
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (checked < V2.length && msg instanceof ByteBuf in && !couldStartHeader(in)) {
            in.release();
            failed = true;
            ctx.fireExceptionCaught(new DecoderException("not a PROXY protocol header"));
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** Checks the next of the first bytes in {@code in} (read in place, the indexes untouched). */
    private boolean couldStartHeader(ByteBuf in) {
        int from = in.readerIndex();
        int n = Math.min(in.readableBytes(), V2.length - checked);
        for (int i = 0; i < n; i++, checked++) {
            byte b = in.getByte(from + i);
            maybeV2 &= b == V2[checked];
            maybeV1 &= checked >= V1.length || b == V1[checked];
            if (!maybeV2 && !maybeV1) {
                return false;
            }
        }
        return true;
    }

    boolean received() {
        return received;
    }
}
