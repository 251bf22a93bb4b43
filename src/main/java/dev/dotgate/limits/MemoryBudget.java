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
 * what it may buffer before its first answer ({@link #admitConnection}), and a connection is refused once the
 * last sample plus the reservations of this period and the one before would pass the budget. The reservations
 * of a period are kept for one more, since a connection's bytes can arrive after the next sample. So a burst of
 * connections cannot overshoot the budget by what arrives within one sampling period (or within a late one,
 * when the loop that samples is busy).
 */
public final class MemoryBudget {
    private final long maxBytes;
    private final LongSupplier used;
    private volatile boolean over;
    private volatile long lastUsed;
    private final AtomicLong reserved = new AtomicLong(); // this period's reservations
    private volatile long reservedBefore; // the period before's

    MemoryBudget(long maxBytes, LongSupplier used) {
        this.maxBytes = maxBytes;
        this.used = used;
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
        reservedBefore = reserved.getAndSet(0);
    }

    /**
     * Whether a new connection that may buffer up to {@code reserve} bytes before it is answered fits: not over
     * the budget, and the last sample plus what connections let in since (this period and the one before) have
     * reserved, plus {@code reserve}, within it. When it fits, {@code reserve} is counted until the sample after
     * next; when not, nothing is.
     */
    public boolean admitConnection(long reserve) {
        if (over) {
            return false;
        }
        long room = maxBytes - lastUsed - reservedBefore;
        long total = reserved.addAndGet(reserve);
        if (total > room) {
            reserved.addAndGet(-reserve);
            return false;
        }
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
