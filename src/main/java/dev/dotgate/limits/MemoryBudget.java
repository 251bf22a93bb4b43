package dev.dotgate.limits;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The global budget of buffered bytes ({@code limits.max_buffered_bytes}): the direct memory held by the
 * allocator every channel uses. The gateway sets no allocator of its own, so that is Netty's default,
 * {@link ByteBufAllocator#DEFAULT} (in Netty 4.2 the adaptive pooling allocator): bytes read and not yet
 * answered, answers not yet written, TLS records, counted as the pool chunks that hold them (free room inside a
 * chunk counts too; chunks no longer used are given back). {@code PlatformDependent.usedDirectMemory()} is only
 * a fallback: it reports -1 unless Netty's no-cleaner counting is on. Reading the allocator's metric walks its
 * chunks, so it is sampled by a timer ({@link #sample}, every {@value ClientLimits#TICK_MILLIS} ms) into a
 * volatile flag the accept and UDP paths read.
 *
 * <p>Between two timer samples, bytes arrive that no sample has seen yet: each connection let in therefore
 * reserves what it may buffer before its first answer ({@link #admitConnection}). Reservations are kept for the
 * timer period they were made in and the next one (a connection's first bytes can come a round trip or a
 * handshake later). Once the last sample plus those reservations would pass the budget, a connection takes a
 * fresh sample of the memory itself (one thread at a time, at most one per {@value #RESAMPLE_NANOS} ns; the
 * reservations stay) and is let in only if the use it finds leaves room for it; within that millisecond, further
 * connections are refused. So past the reserved room at most one connection a millisecond is let in, each on a
 * measured figure, and the decision is one on the memory really in use: over the budget, UDP queries are dropped
 * too. Connections whose bytes come later than two timer periods are bounded by the connection caps.
 */
public final class MemoryBudget {
    private final long maxBytes;
    private final LongSupplier used;
    private volatile boolean over;
    private volatile long lastUsed;
    /** Fresh samples taken by connections are at least this far apart (the metric walks the allocator). */
    static final long RESAMPLE_NANOS = 1_000_000;
    private final LongSupplier nanoClock;
    private final AtomicLong reserved = new AtomicLong(); // this timer period's reservations
    private volatile long reservedBefore; // the period before's
    private final AtomicLong sampledAt = new AtomicLong();

    MemoryBudget(long maxBytes, LongSupplier used, LongSupplier nanoClock) {
        this.maxBytes = maxBytes;
        this.used = used;
        this.nanoClock = nanoClock;
    }

    /** Direct memory in use by the default allocator (or by Netty in all, when the allocator cannot tell). */
    static long defaultAllocatorUsed() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            return p.metric().usedDirectMemory();
        }
        return PlatformDependent.usedDirectMemory();
    }

    /** The timer's sample: the use now, and the reservations moved one period on. */
    void sample() {
        measure();
        reservedBefore = reserved.getAndSet(0);
    }

    private void measure() {
        long now = used.getAsLong();
        lastUsed = now;
        over = now > maxBytes;
        sampledAt.set(nanoClock.getAsLong());
    }

    /**
     * Whether a new connection that may buffer up to {@code reserve} bytes before it is answered fits (see the
     * class comment); when it does, {@code reserve} is counted for this period and the next. Any thread.
     */
    public boolean admitConnection(long reserve) {
        if (over) {
            return false;
        }
        if (lastUsed + reservedBefore + reserved.addAndGet(reserve) <= maxBytes) {
            return true;
        }
        reserved.addAndGet(-reserve);
        long at = sampledAt.get();
        if (nanoClock.getAsLong() - at < RESAMPLE_NANOS || !sampledAt.compareAndSet(at, at + 1)) {
            return false; // sampled a moment ago, or another connection is sampling: the room left is reserved
        }
        measure();
        if (over || lastUsed + reserve > maxBytes) {
            return false;
        }
        reserved.addAndGet(reserve);
        return true;
    }

    /** Whether the last sample was over the budget. */
    public boolean over() {
        return over;
    }

    /** The last sampled use, in bytes. */
    public long lastUsed() {
        return lastUsed;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
