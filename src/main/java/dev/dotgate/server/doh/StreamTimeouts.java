package dev.dotgate.server.doh;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The frame timeout of one HTTP/2 DoH connection: a stream begun ({@link OpenRequests}) and not ended by the
 * client within {@code limits.frame_timeout} is reset (CANCEL), counted, and when its body was still arriving
 * reported. One timer at a time, due when the oldest open stream is. Event-loop only.
 */
final class StreamTimeouts {
    private final ChannelHandlerContext ctx;
    private final DohSettings settings;
    private final OpenRequests requests;
    private final InetSocketAddress client;
    private final Runnable sweep = this::sweep;
    private boolean scheduled;

    StreamTimeouts(ChannelHandlerContext ctx, DohSettings settings, OpenRequests requests, InetSocketAddress client) {
        this.ctx = ctx;
        this.settings = settings;
        this.requests = requests;
        this.client = client;
    }

    /** Runs the sweep at the frame timeout of the oldest open stream, once; call it after a stream opens. */
    void schedule() {
        if (!scheduled && !requests.isEmpty()) {
            scheduled = true;
            long due = requests.oldestStart() + TimeUnit.MILLISECONDS.toNanos(settings.frameTimeoutMillis())
                    - System.nanoTime();
            ctx.executor().schedule(sweep, Math.max(due, TimeUnit.MILLISECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Resets (CANCEL) every stream begun more than the frame timeout ago and not ended by the client. Time while
     * we were not reading (a full socket) does not count.
     */
    private void sweep() {
        scheduled = false;
        if (!ctx.channel().config().isAutoRead()) {
            requests.restartAll(System.nanoTime());
            schedule();
            return;
        }
        long deadline = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(settings.frameTimeoutMillis());
        boolean reset = false;
        for (OpenRequests.Open late : requests.expired(deadline)) {
            boolean receiving = late.receiving(); // before remove, which releases the body
            requests.remove(late.stream.id());
            settings.counters().dohStreamsTimedOut.increment();
            if (receiving) {
                settings.intake().observer().dropped(Transport.DOH, client, Decision.MALFORMED, "body_timeout");
            }
            if (ctx.channel().isActive()) {
                ctx.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(late.stream));
                reset = true;
            }
        }
        if (reset) {
            ctx.flush();
        }
        schedule();
    }
}
