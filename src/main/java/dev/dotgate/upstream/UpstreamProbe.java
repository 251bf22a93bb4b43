package dev.dotgate.upstream;

import dev.dotgate.wire.Padding;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Questions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One background probe of an upstream: the question {@code . IN NS} (every resolver has the root's servers at
 * hand, so it answers at once) sent like a client's query, through {@link Upstream#send}. Any answer, whatever
 * its rcode, is a round-trip sample and brings a down upstream up again; a loss or no answer within the timeout
 * is a failure. Not a client's query: nothing is cached or answered, only the upstream's {@link UpstreamHealth}
 * hears of it.
 *
 * <p>Buffers: the probe owns its query bytes (an unpooled heap copy, released when it completes) and releases the
 * answer it is given.
 */
public final class UpstreamProbe implements UpstreamQuery {
    /** {@code . IN NS}, RD set, ID 0 (the upstream writes its own). */
    private static final byte[] QUERY = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1};

    private final Upstream upstream;
    private final ByteBuf query = Unpooled.wrappedBuffer(QUERY);
    private final QueryInfo info = QueryInfo.parse(query);
    private final long sentNanos = System.nanoTime();
    private final AtomicBoolean done = new AtomicBoolean();

    private UpstreamProbe(Upstream upstream) {
        this.upstream = upstream;
    }

    /** Probes {@code upstream}, taking it for failed unless it answers within {@code timeoutNanos} (timer on {@code loop}). */
    public static void send(Upstream upstream, EventLoop loop, long timeoutNanos) {
        UpstreamProbe probe = new UpstreamProbe(upstream);
        upstream.counters().probes.increment();
        loop.schedule(() -> probe.finish(false), timeoutNanos, TimeUnit.NANOSECONDS);
        upstream.send(probe);
    }

    private boolean finish(boolean answered) {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        synchronized (this) {
            query.release();
        }
        if (answered) {
            upstream.health().answered(System.nanoTime() - sentNanos);
        } else {
            upstream.health().failed();
        }
        return true;
    }

    @Override
    public QueryInfo info() {
        return info;
    }

    @Override
    public boolean isDone() {
        return done.get();
    }

    @Override
    public int maxLength(Padding.Hop hop) {
        return Padding.maxQueryLength(QUERY.length, hop);
    }

    @Override
    public synchronized boolean write(ByteBuf out, int id, Padding.UpstreamCopy copy, boolean lengthPrefix) {
        if (done.get()) {
            return false;
        }
        Padding.writeUpstreamQuery(query, info, out, copy, id, lengthPrefix);
        return true;
    }

    @Override
    public synchronized boolean matches(ByteBuf answer) {
        return !done.get() && Questions.sameQuestion(query, answer);
    }

    @Override
    public void restoreQuestion(ByteBuf answer) {
        // The root's name has no letters.
    }

    @Override
    public void complete(ByteBuf answer) {
        answer.release();
        finish(true);
    }

    @Override
    public void lost(Throwable cause) {
        finish(false);
    }
}
