package dev.dotgate.upstream;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one upstream is doing, as its queries tell: a smoothed round-trip time and its mean deviation (the EWMAs of
 * RFC 6298, gains 1/8 and 1/4, so older samples decay geometrically), the time of the last sample, and whether it
 * is down. An upstream is marked down after {@value #DOWN_AFTER} failures in a row (lost attempts or timeouts, with
 * no answer between) and up again by its next answer, a query's or a background probe's; each change is logged
 * once and counted in its {@link UpstreamCounters}.
 *
 * <p>Updated from any thread without locks or fences: the averages are plain fields (a 64-bit JVM writes a long
 * whole), so two answers landing at once may lose one sample and a reader may see one a moment late, which an
 * average and a choice between upstreams do not miss. Only being down is volatile.
 */
public final class UpstreamHealth {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHealth.class);
    /** Failures in a row after which the upstream is marked down. */
    public static final int DOWN_AFTER = 3;
    private static final long UNKNOWN = -1;

    private final String name;
    private final UpstreamCounters counters;
    private long srttNanos = UNKNOWN;
    private long rttvarNanos;
    private long lastSampleNanos = System.nanoTime();
    private final AtomicInteger failuresInARow = new AtomicInteger();
    private volatile boolean down;

    public UpstreamHealth(String name, UpstreamCounters counters) {
        this.name = name;
        this.counters = counters;
    }

    /** An answer came {@code rttNanos} after the query was sent. */
    public void answered(long rttNanos) {
        sample(rttNanos);
        if (failuresInARow.get() != 0) {
            failuresInARow.set(0);
        }
        if (down) {
            synchronized (this) {
                if (down) {
                    down = false;
                    counters.recoveries.increment();
                    log.info("upstream {} is answering again", name);
                }
            }
        }
    }

    /**
     * Another upstream answered first, {@code elapsedNanos} after this one was asked: at least that long, taken
     * as a sample so that a slow upstream's estimate rises without waiting for its late answer.
     */
    public void outrun(long elapsedNanos) {
        long s = srttNanos;
        if (s == UNKNOWN || elapsedNanos > s) {
            sample(elapsedNanos);
        }
    }

    /** An attempt was lost or timed out. */
    public void failed() {
        if (failuresInARow.incrementAndGet() >= DOWN_AFTER && !down) {
            synchronized (this) {
                if (!down) {
                    down = true;
                    counters.downs.increment();
                    log.warn("upstream {} is down: {} queries in a row lost or timed out; probing it until it "
                            + "answers", name, DOWN_AFTER);
                }
            }
        }
    }

    private void sample(long rtt) {
        long s = srttNanos;
        if (s == UNKNOWN) {
            srttNanos = rtt;
            rttvarNanos = rtt / 2;
        } else {
            long err = rtt - s;
            rttvarNanos += (Math.abs(err) - rttvarNanos) >> 2;
            srttNanos = s + (err >> 3);
        }
        lastSampleNanos = System.nanoTime();
    }

    /** Marked down: failed {@value #DOWN_AFTER} times in a row and not answered since. */
    public boolean isDown() {
        return down;
    }

    /** True until the first answer. */
    public boolean unmeasured() {
        return srttNanos == UNKNOWN;
    }

    /** The smoothed round-trip time, in nanoseconds (0 before the first answer). */
    public long srttNanos() {
        long s = srttNanos;
        return s == UNKNOWN ? 0 : s;
    }

    /** Nanoseconds since the last answer (or since this was made). */
    public long sinceLastSampleNanos() {
        return System.nanoTime() - lastSampleNanos;
    }

    /**
     * When to ask another upstream too: the usual time of this one and some (smoothed RTT plus four mean
     * deviations, as RFC 6298 sets a retransmission timer), within {@code [minNanos, maxNanos]}; {@code maxNanos}
     * before the first answer.
     */
    public long hedgeDelayNanos(long minNanos, long maxNanos) {
        long s = srttNanos;
        if (s == UNKNOWN) {
            return maxNanos;
        }
        return Math.max(minNanos, Math.min(maxNanos, s + 4 * rttvarNanos));
    }

    @Override
    public String toString() {
        return name + (down ? " down" : " up") + ", srtt " + TimeUnit.NANOSECONDS.toMicros(srttNanos()) + " µs";
    }
}
