package dev.dotgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long MS = 1_000_000L;

    @Test
    void aBurstThenTheRate() {
        TokenBucket.Rate rate = TokenBucket.Rate.of(100, 10); // a token every 10 ms, 10 at once
        long now = 1_000_000_000L;
        TokenBucket b = new TokenBucket(now);
        assertThat(b.full(now)).isTrue();
        for (int i = 0; i < 10; i++) {
            assertThat(b.take(rate, now)).as("token %d", i).isZero();
        }
        long wait = b.take(rate, now);
        assertThat(wait).isEqualTo(10 * MS);
        assertThat(b.waitNanos(rate, now)).isEqualTo(wait);
        assertThat(b.take(rate, now + 5 * MS)).isEqualTo(5 * MS);
        assertThat(b.take(rate, now + 10 * MS)).isZero();
        assertThat(b.take(rate, now + 10 * MS)).isPositive();
        assertThat(b.full(now + 50 * MS)).isFalse();
        assertThat(b.full(now + 110 * MS)).isTrue();
        // after a long quiet the bucket holds a burst again, no more
        long later = now + 10_000 * MS;
        for (int i = 0; i < 10; i++) {
            assertThat(b.take(rate, later)).isZero();
        }
        assertThat(b.take(rate, later)).isPositive();
    }

    @Test
    void rateZeroIsNoLimit() {
        TokenBucket.Rate off = TokenBucket.Rate.of(0, 1000);
        TokenBucket b = new TokenBucket(0);
        for (int i = 0; i < 100_000; i++) {
            assertThat(b.take(off, 0)).isZero();
        }
    }
}
