package dev.dotgate.it;

import java.time.Duration;

/**
 * A client that acts at a fixed rate on purpose, because the rate is what a test is about: a victim asking every
 * 40 ms during a flood, an attacker trickling a byte every 200 ms, a client keeping a connection busy every 1.5 s,
 * a sampler reading memory every 20 ms. Ticks are fixed-rate (due times from the start, no drift from the work done
 * between them), so the rate is the one written in the test whatever the machine. Not for waiting on a condition:
 * that is {@link Eventually}.
 */
public final class Pace {
    private final long periodNanos;
    private long due;

    private Pace(Duration period) {
        this.periodNanos = period.toNanos();
        this.due = System.nanoTime();
    }

    /** A pace of one tick each {@code period}, the first due one period from now. */
    public static Pace every(Duration period) {
        return new Pace(period);
    }

    public static Pace everyMillis(long millis) {
        return every(Duration.ofMillis(millis));
    }

    /**
     * Blocks until the next tick is due, to the millisecond (returns at once when the work since the last one took
     * longer, or the tick is due within a millisecond: a rate above 1,000 a second goes in small bursts).
     */
    public void next() throws InterruptedException {
        due += periodNanos;
        long ahead = due - System.nanoTime();
        if (ahead >= 1_000_000) { // within a millisecond, go on: the due times keep the rate
            Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
        }
    }

    /**
     * Runs {@code sample} once a tick for {@code total}: holding a state (an attack, an open connection) for that
     * long while watching something.
     */
    public static void sampleFor(Duration total, Duration every, Runnable sample) throws InterruptedException {
        long end = System.nanoTime() + total.toNanos();
        Pace pace = every(every);
        while (System.nanoTime() < end) {
            sample.run();
            pace.next();
        }
    }
}
