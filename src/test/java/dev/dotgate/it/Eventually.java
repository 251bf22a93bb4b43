package dev.dotgate.it;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits for a condition instead of sleeping a guessed time: polls it (every 2 ms at first, backing off to 50 ms)
 * until it holds or the deadline passes, then fails with what was awaited and the last value seen. A test waits
 * only as long as the gateway takes, and a slow machine gets the whole deadline instead of a flaky margin.
 */
public final class Eventually {
    private static final long FIRST_NANOS = 2_000_000;
    private static final long MAX_NANOS = 50_000_000;

    /** A condition that may throw (reading a file, a socket). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Eventually() {
    }

    /**
     * Returns once {@code condition} holds; throws an {@link AssertionError} naming {@code what} after
     * {@code within}.
     */
    public static void until(Condition condition, Duration within, String what) {
        value(() -> condition.holds(), ok -> ok, within, what);
    }

    /**
     * Whether {@code condition} came to hold within {@code within}, without failing: for a wait whose outcome the
     * assertions after it judge (e.g. the last answers of a flood arriving, where the kernel may lose a few).
     */
    public static boolean tryUntil(Condition condition, Duration within) {
        try {
            until(condition, within, "");
            return true;
        } catch (AssertionError timedOut) {
            if (timedOut.getCause() != null) {
                throw timedOut; // the condition threw: a real failure
            }
            return false;
        }
    }

    /**
     * The first value of {@code read} that {@code ok} accepts, read until {@code within} has passed; then an
     * {@link AssertionError} naming {@code what} and the last value read. An exception from {@code read} is a
     * failure at once, unless it is the last chance: conditions are expected not to throw while waiting.
     */
    public static <T> T value(Callable<T> read, Predicate<? super T> ok, Duration within, String what) {
        long deadline = System.nanoTime() + within.toNanos();
        long pause = FIRST_NANOS;
        T last;
        while (true) {
            try {
                last = read.call();
            } catch (Exception e) {
                throw new AssertionError("while waiting for " + what + ": " + e, e);
            }
            if (ok.test(last)) {
                return last;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("waited " + within.toMillis() + " ms for " + what + "; last seen: " + last);
            }
            park(Math.min(pause, left));
            pause = Math.min(pause * 2, MAX_NANOS);
        }
    }

    private static void park(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
