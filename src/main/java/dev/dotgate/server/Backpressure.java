package dev.dotgate.server;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.TimeUnit;

/**
 * The flow control every client connection shares: read only while it may take more work, and give up on a
 * client that does not take our answers. Call from the connection's event loop.
 */
public final class Backpressure {
    private Backpressure() {
    }

    /** Turns reading on or off; turned back on, asks for the next read at once. */
    public static void reading(ChannelHandlerContext ctx, boolean read) {
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
            if (read) {
                ctx.read();
            }
        }
    }

    /**
     * When the channel cannot take more writes, runs {@code giveUp} if that is still so after
     * {@code writeTimeoutMillis}: the client has not taken our answers for the write timeout.
     */
    public static void giveUpIfStuck(ChannelHandlerContext ctx, long writeTimeoutMillis, Runnable giveUp) {
        if (!ctx.channel().isWritable()) {
            ctx.executor().schedule(() -> {
                if (!ctx.channel().isWritable()) {
                    giveUp.run();
                }
            }, writeTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }
}
