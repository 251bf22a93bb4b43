package dev.dotgate.limits;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The global budget of buffered bytes ({@code limits.max_buffered_bytes}): the direct memory held by the
 * allocator every channel uses. The gateway sets no allocator of its own, so that is Netty's default,
 * {@link ByteBufAllocator#DEFAULT} (the pooled allocator, which {@code cli/DirectMemory} chooses): bytes read and not yet
 * answered, answers not yet written, TLS records, counted as the pool chunks that hold them (free room inside a
 * chunk counts too; chunks no longer used are given back). {@code PlatformDependent.usedDirectMemory()} is only
 * a fallback: it reports -1 unless Netty's no-cleaner counting is on. Reading the allocator's metric walks its
 * chunks, so it is sampled by a timer ({@link #sample}, every {@value ClientLimits#TICK_MILLIS} ms) into a
 * volatile flag the accept and UDP paths read.
 *
 * <p>Between two timer samples, bytes arrive that no sample has seen yet, and a connection may hold more than
 * it declared (a frame's buffer grows by whole allocator sizes). So each connection let in counts what it may
 * buffer before its first answer ({@link #admitConnection}), and once those counts since the last measurement
 * pass {@value #MEASURE_EVERY_BYTES} bytes, or would pass the room the last measurement left, a connection
 * measures the memory afresh (one thread at a time, at most one measurement per {@value #RESAMPLE_NANOS} ns).
 * The decision is always one on memory really in use, as the timer's: over the budget, new connections are
 * refused and UDP queries dropped; within the millisecond after a measurement, a connection that would pass the
 * room left is refused. A burst of connections therefore passes the budget by at most what the last
 * {@value #MEASURE_EVERY_BYTES} bytes of reservations turn into, instead of by what arrives in a whole
 * sampling period; connections whose bytes come much later are bounded by the connection caps.
 */
public final class MemoryBudget {
    private final long maxBytes;
    private final LongSupplier used;
    private volatile boolean over;
    private volatile long lastUsed;
    /** Fresh samples taken by connections are at least this far apart (the metric walks the allocator). */
    static final long RESAMPLE_NANOS = 1_000_000;
    private final LongSupplier nanoClock;
    /** Reservations since the last measurement after which a connection measures afresh. */
    static final long MEASURE_EVERY_BYTES = 4 << 20;
    private final AtomicLong reserved = new AtomicLong(); // reserved by connections since the last measurement
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

    /** The timer's sample. */
    void sample() {
        measure();
    }

    private void measure() {
        long now = used.getAsLong();
        lastUsed = now;
        over = now >= maxBytes; // spent: at the budget no room is left (the allocator stops there in whole chunks)
        reserved.set(0);
        sampledAt.set(nanoClock.getAsLong());
    }

    /**
     * Whether a new connection that may buffer up to {@code reserve} bytes before it is answered may be let in
     * (see the class comment). Any thread.
     */
    public boolean admitConnection(long reserve) {
        if (over) {
            return false;
        }
        long since = reserved.addAndGet(reserve);
        boolean fits = lastUsed + since <= maxBytes;
        if (fits && since <= MEASURE_EVERY_BYTES) {
            return true;
        }
        long at = sampledAt.get();
        if (nanoClock.getAsLong() - at < RESAMPLE_NANOS || !sampledAt.compareAndSet(at, at + 1)) {
            if (!fits) {
                reserved.addAndGet(-reserve); // measured a moment ago, or another connection measures: no room
            }
            return fits;
        }
        measure();
        if (over || lastUsed + reserve > maxBytes) {
            return false;
        }
        reserved.addAndGet(reserve);
        return true;
    }

    /** Whether the last sample was at or over the budget. */
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
