package dev.dotgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The buffered-bytes budget between two timer samples: connections let in reserve what they may buffer, and once
 * those reservations would pass the budget a connection looks at the memory itself instead of trusting a sample
 * that may be 20 ms old.
 */
class MemoryBudgetTest {
    private static final long BUDGET = 1 << 20;
    private static final long RESERVE = 32 << 10;
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
    void connectionsBeyondTheReservedRoomLookAtTheMemoryAndAreRefusedOnceItIsOverTheBudget() {
        used.set(2 * BUDGET); // the attack's bytes have arrived; no timer sample has seen them
        int fit = (int) ((BUDGET / 2) / RESERVE);
        for (int i = 0; i < fit; i++) {
            assertThat(budget.admitConnection(RESERVE)).as("connection " + i + " within the reserved room").isTrue();
        }
        assertThat(budget.over()).isFalse();
        assertThat(budget.admitConnection(RESERVE)).as("past the room: a fresh sample finds 2 MiB").isFalse();
        assertThat(budget.over()).as("over now, for UDP too, without waiting for the timer").isTrue();
        assertThat(budget.lastUsed()).isEqualTo(2 * BUDGET);
        used.set(BUDGET / 2);
        clock.addAndGet(10_000_000);
        assertThat(budget.admitConnection(RESERVE)).as("still over until the next sample").isFalse();
        budget.sample();
        budget.sample(); // two timer periods on, the reservations are gone
        assertThat(budget.admitConnection(RESERVE)).isTrue();
    }

    @Test
    void pastTheReservedRoomOneConnectionAMillisecondIsLetInOnAFreshSample() {
        int fit = (int) ((BUDGET / 2) / RESERVE);
        for (int i = 0; i < fit; i++) {
            assertThat(budget.admitConnection(RESERVE)).as("connection " + i).isTrue();
        }
        for (int ms = 0; ms < 5; ms++) {
            clock.addAndGet(MemoryBudget.RESAMPLE_NANOS);
            used.addAndGet(RESERVE / 4); // the memory grows slower than the reservations
            assertThat(budget.admitConnection(RESERVE)).as("after a fresh sample, millisecond " + ms).isTrue();
            assertThat(budget.admitConnection(RESERVE)).as("a second within that millisecond").isFalse();
            assertThat(budget.lastUsed()).isEqualTo(used.get());
        }
        assertThat(budget.over()).isFalse();
    }

    @Test
    void aTimerSampleKeepsThePeriodsReservationsForOneMore() {
        int fit = (int) ((BUDGET / 2) / RESERVE);
        for (int i = 0; i < fit; i++) {
            assertThat(budget.admitConnection(RESERVE)).isTrue();
        }
        budget.sample(); // their bytes have not arrived yet: the sample sees what it saw before
        assertThat(budget.admitConnection(RESERVE)).as("the room is still reserved").isFalse();
        budget.sample();
        assertThat(budget.admitConnection(RESERVE)).as("two periods on").isTrue();
    }

    @Test
    void onlyOneOfTwoConnectionsAtTheSameMomentSamples() {
        long sampled = budget.lastUsed();
        int fit = (int) ((BUDGET / 2) / RESERVE);
        for (int i = 0; i < fit; i++) {
            budget.admitConnection(RESERVE);
        }
        used.set(BUDGET / 2 + 1);
        assertThat(budget.admitConnection(RESERVE)).isTrue(); // samples
        assertThat(budget.lastUsed()).isNotEqualTo(sampled).isEqualTo(BUDGET / 2 + 1);
        used.set(2 * BUDGET);
        assertThat(budget.admitConnection(RESERVE)).isFalse(); // within the millisecond: not sampled again
        assertThat(budget.lastUsed()).isEqualTo(BUDGET / 2 + 1);
        assertThat(budget.over()).isFalse();
    }

    @Test
    void withinAMillisecondOfASampleTheReservedRoomIsFinal() {
        budget.sample(); // now
        int fit = (int) ((BUDGET / 2) / RESERVE);
        for (int i = 0; i < fit; i++) {
            assertThat(budget.admitConnection(RESERVE)).isTrue();
        }
        assertThat(budget.admitConnection(RESERVE)).as("no second walk of the allocator within 1 ms").isFalse();
        assertThat(budget.over()).isFalse();
        clock.addAndGet(MemoryBudget.RESAMPLE_NANOS);
        assertThat(budget.admitConnection(RESERVE)).isTrue();
    }
}
