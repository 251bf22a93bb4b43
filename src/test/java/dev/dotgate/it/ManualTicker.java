package dev.dotgate.it;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cache's clock, moved by the test: a gateway built with it ({@link GatewayFixture.Builder#cacheTicker}) ages
 * its cached answers only when the test says so, so TTL count-down, expiry, stale serving and prefetch are tested
 * without sleeping through real TTLs. Starts at the real {@link System#nanoTime()}.
 */
public final class ManualTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(System.nanoTime());

    @Override
    public long read() {
        return nanos.get();
    }

    /** Moves the clock forward by {@code d}. */
    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    public void advanceMillis(long millis) {
        advance(Duration.ofMillis(millis));
    }
}
