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
 * <p>Between two samples, bytes arrive that no sample has seen yet: each connection let in therefore reserves
 * what it may buffer before its first answer ({@link #admitConnection}). Once the last sample plus what
 * connections let in since have reserved would pass the budget, the next connection takes a fresh sample
 * itself (at most one per {@value #RESAMPLE_NANOS} ns; within that, it is refused) and is let in only if the
 * use it finds is within the budget. A burst of connections therefore cannot overshoot the budget by what
 * arrives within one sampling period (or a late one, when the loop that samples is busy), and the decision
 * stays one on the memory really in use: over the budget, UDP queries are dropped too.
 */
public final class MemoryBudget {
    private final long maxBytes;
    private final LongSupplier used;
    private volatile boolean over;
    private volatile long lastUsed;
    /** Fresh samples taken by connections are at least this far apart (the metric walks the allocator). */
    static final long RESAMPLE_NANOS = 1_000_000;
    private final LongSupplier nanoClock;
    private final AtomicLong reserved = new AtomicLong(); // reserved by connections since the last sample
    private volatile long sampledAt;

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

    void sample() {
        long now = used.getAsLong();
        lastUsed = now;
        over = now > maxBytes;
        reserved.set(0);
        sampledAt = nanoClock.getAsLong();
    }

    /**
     * Whether a new connection that may buffer up to {@code reserve} bytes before it is answered fits: the last
     * sample is within the budget and, with what connections let in since have reserved plus {@code reserve}, still
     * is; or else a fresh sample (unless one was taken within {@value #RESAMPLE_NANOS} ns) finds the use within the
     * budget. Any thread.
     */
    public boolean admitConnection(long reserve) {
        if (over) {
            return false;
        }
        if (lastUsed + reserved.addAndGet(reserve) <= maxBytes) {
            return true;
        }
        if (nanoClock.getAsLong() - sampledAt < RESAMPLE_NANOS) {
            return false; // sampled a moment ago: the room left is reserved
        }
        sample();
        if (over) {
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
