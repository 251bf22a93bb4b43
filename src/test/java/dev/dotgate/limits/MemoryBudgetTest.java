package dev.dotgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The buffered-bytes budget between two timer samples: connections let in count what they may buffer, and once
 * those counts would pass the room the last measurement left, or pass a few MiB, a connection measures the memory
 * itself instead of trusting a sample that may be 20 ms old. Every decision is one on the memory really in use.
 */
class MemoryBudgetTest {
    private static final long BUDGET = 1 << 20;
    private static final long RESERVE = 32 << 10;
    private static final int FIT = (int) ((BUDGET / 2) / RESERVE);
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final MemoryBudget budget = new MemoryBudget(BUDGET, used::get, clock::get);

    @BeforeEach
    void halfUsed() {
        used.set(BUDGET / 2);
        budget.sample();
        clock.addAndGet(10_000_000); // 10 ms later
    }

    @Test
    void connectionsBeyondTheRoomLeftMeasureTheMemoryAndAreRefusedOnceItIsOverTheBudget() {
        used.set(2 * BUDGET); // the attack's bytes have arrived; no timer sample has seen them
        for (int i = 0; i < FIT; i++) {
            assertThat(budget.admitConnection(RESERVE)).as("connection " + i + " within the room left").isTrue();
        }
        assertThat(budget.over()).isFalse();
        assertThat(budget.admitConnection(RESERVE)).as("past the room: a fresh measurement finds 2 MiB").isFalse();
        assertThat(budget.over()).as("over now, for UDP too, without waiting for the timer").isTrue();
        assertThat(budget.lastUsed()).isEqualTo(2 * BUDGET);
        used.set(BUDGET / 2);
        clock.addAndGet(10_000_000);
        assertThat(budget.admitConnection(RESERVE)).as("still over until the next sample").isFalse();
        budget.sample();
        assertThat(budget.admitConnection(RESERVE)).isTrue();
    }

    @Test
    void aFreshMeasurementThatFindsRoomLetsConnectionsInAgain() {
        for (int i = 0; i < FIT; i++) {
            assertThat(budget.admitConnection(RESERVE)).isTrue();
        }
        used.addAndGet(RESERVE * FIT / 4); // their bytes took less than they may have
        assertThat(budget.admitConnection(RESERVE)).as("measures: room left").isTrue();
        assertThat(budget.lastUsed()).isEqualTo(used.get());
        assertThat(budget.admitConnection(RESERVE)).as("counted against the new room").isTrue();
        assertThat(budget.over()).isFalse();
    }

    @Test
    void withinAMillisecondOfAMeasurementTheRoomLeftIsFinal() {
        budget.sample(); // now
        for (int i = 0; i < FIT; i++) {
            assertThat(budget.admitConnection(RESERVE)).isTrue();
        }
        assertThat(budget.admitConnection(RESERVE)).as("no second walk of the allocator within 1 ms").isFalse();
        assertThat(budget.over()).isFalse();
        clock.addAndGet(MemoryBudget.RESAMPLE_NANOS);
        assertThat(budget.admitConnection(RESERVE)).isTrue();
    }

    @Test
    void everyFewMebibytesOfReservationsTheMemoryIsMeasuredEvenWithRoomLeft() {
        long big = 256L << 20;
        MemoryBudget roomy = new MemoryBudget(big, used::get, clock::get);
        used.set(1 << 20);
        roomy.sample();
        clock.addAndGet(10_000_000);
        long reserve = 64 << 10;
        int before = (int) (MemoryBudget.MEASURE_EVERY_BYTES / reserve);
        used.set(big + 1); // what those connections really took, and more
        for (int i = 0; i < before; i++) {
            assertThat(roomy.admitConnection(reserve)).as("connection " + i).isTrue();
        }
        assertThat(roomy.admitConnection(reserve)).as("measured after 4 MiB of reservations").isFalse();
        assertThat(roomy.over()).isTrue();
    }

    @Test
    void onlyOneOfTwoConnectionsAtTheSameMomentMeasures() {
        for (int i = 0; i < FIT; i++) {
            budget.admitConnection(RESERVE);
        }
        used.set(BUDGET / 2 + 1);
        assertThat(budget.admitConnection(RESERVE)).isTrue(); // measures
        assertThat(budget.lastUsed()).isEqualTo(BUDGET / 2 + 1);
        for (int i = 1; i < FIT - 1; i++) {
            assertThat(budget.admitConnection(RESERVE)).isTrue();
        }
        used.set(2 * BUDGET);
        assertThat(budget.admitConnection(RESERVE)).as("no room, and measured within the millisecond").isFalse();
        assertThat(budget.lastUsed()).isEqualTo(BUDGET / 2 + 1);
        assertThat(budget.over()).isFalse();
    }
}
