package dev.dotgate.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A token bucket kept as one number (the generic cell rate algorithm): the time at which the bucket would be
 * full again. Taking a token is one compare-and-set, no lock, no allocation; {@code rate} tokens a second refill
 * a bucket of {@code burst}. The settings ({@link Rate}) are shared, the state is per client.
 */
final class TokenBucket {
    /** The rate and burst every bucket of a {@link ClientTable} shares. */
    record Rate(long intervalNanos, long toleranceNanos) {
        /** {@code perSecond} 0: no limit ({@link #unlimited}). */
        static Rate of(int perSecond, int burst) {
            if (perSecond <= 0) {
                return new Rate(0, 0);
            }
            long interval = Math.max(1, 1_000_000_000L / perSecond);
            return new Rate(interval, interval * Math.max(0, burst - 1));
        }

        boolean unlimited() {
            return intervalNanos == 0;
        }
    }

    private static final VarHandle TAT;

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(TokenBucket.class, "tat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Theoretical arrival time of the next token: at or before now, the bucket is full. */
    @SuppressWarnings("unused") // through TAT
    private volatile long tat;

    TokenBucket(long now) {
        this.tat = now;
    }

    /**
     * Takes a token at {@code now}. Returns 0 when one was taken, else how many nanoseconds until one is there
     * (nothing taken).
     */
    long take(Rate rate, long now) {
        if (rate.unlimited()) {
            return 0;
        }
        while (true) {
            long t = (long) TAT.getVolatile(this);
            long base = t - now > 0 ? t : now;
            long wait = base - now - rate.toleranceNanos();
            if (wait > 0) {
                return wait;
            }
            if (TAT.compareAndSet(this, t, base + rate.intervalNanos())) {
                return 0;
            }
        }
    }

    /** How many nanoseconds until a token is there (0: now); takes nothing. */
    long waitNanos(Rate rate, long now) {
        if (rate.unlimited()) {
            return 0;
        }
        long t = tat;
        long base = t - now > 0 ? t : now;
        return Math.max(0, base - now - rate.toleranceNanos());
    }

    /** Whether the bucket has refilled completely: nothing to remember about this client's rate. */
    boolean full(long now) {
        return tat - now <= 0;
    }
}
