package dev.dotgate.server.doh;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Before Netty's HTTP/1.1 codec: notes when the bytes of a request begin to arrive, i.e. the first read after
 * the previous request was complete, so that {@link DohHttp1Handler} can answer 408 to a request not complete
 * within the frame timeout (a client trickling its headers byte by byte). Passes everything on. Event loop only.
 */
final class RequestClock extends ChannelInboundHandlerAdapter {
    /** No request begun. */
    static final long IDLE = Long.MIN_VALUE;
    private long startedNanos = IDLE;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (startedNanos == IDLE) {
            startedNanos = System.nanoTime();
        }
        ctx.fireChannelRead(msg);
    }

    /** When the request being read began to arrive, or {@link #IDLE}. */
    long startedNanos() {
        return startedNanos;
    }

    /** A request is complete: the next read begins the next one. */
    void stop() {
        startedNanos = IDLE;
    }

    /** Counts from {@code nowNanos} (reading was paused by us: the time was not the client's). */
    void restart(long nowNanos) {
        startedNanos = nowNanos;
    }
}
