package dev.dotgate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Queries in flight on one connection: random IDs, never two alike, and a quarantine for IDs that timed out. */
class InflightTableTest {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(3);
    private static final long QUARANTINE = TimeUnit.SECONDS.toNanos(12);
    private final InflightTable table = new InflightTable();
    private final int[] expired = new int[1];
    private TestQuery query;

    @AfterEach
    void close() {
        if (query != null) {
            query.close();
            assertThat(query.bytes.refCnt()).isZero();
        }
    }

    @Test
    void idsAreRandomAndDistinct() throws Exception {
        query = TestQuery.of("a.test.");
        Set<Integer> ids = new HashSet<>();
        int previous = -1;
        int consecutive = 0;
        int high = 0;
        for (int i = 0; i < 2000; i++) {
            int id = table.add(query, i);
            assertThat(id).isBetween(0, 65535);
            assertThat(ids.add(id)).as("ID %d handed out twice", id).isTrue();
            consecutive += id == previous + 1 ? 1 : 0;
            high += id >= 32768 ? 1 : 0;
            previous = id;
        }
        assertThat(table.live()).isEqualTo(2000);
        // Sequential or low-biased IDs would be guessable (RFC 5452).
        assertThat(consecutive).isLessThan(20);
        assertThat(high).isBetween(800, 1200);
    }

    @Test
    void anIdThatTimedOutIsQuarantinedNotReusedThenFreed() throws Exception {
        query = TestQuery.of("a.test.");
        long t0 = 1_000_000L;
        int id = table.add(query, t0);
        assertThat(table.get(id)).isSameAs(query);

        table.sweep(t0 + TIMEOUT, TIMEOUT, QUARANTINE, expired);
        assertThat(expired[0]).as("not older than the timeout yet").isZero();
        table.sweep(t0 + TIMEOUT + 1, TIMEOUT, QUARANTINE, expired);
        assertThat(expired[0]).isOne();
        assertThat(table.live()).isZero();
        assertThat(table.get(id)).as("a late answer finds no query").isNull();
        assertThat(table.quarantined(id)).isTrue();

        // Fill every free ID: the quarantined one is never handed out.
        int n = 0;
        int got;
        while ((got = table.add(query, t0 + TIMEOUT + 2)) >= 0) {
            assertThat(got).isNotEqualTo(id);
            n++;
        }
        assertThat(n).isEqualTo(InflightTable.MAX_IDS - 1);
        assertThat(table.full()).isTrue();
        List<UpstreamQuery> drained = table.drain();
        assertThat(drained).hasSize(n);

        int again = table.add(query, t0 + TIMEOUT + 3);
        table.sweep(t0 + 2 * TIMEOUT + 4, TIMEOUT, QUARANTINE, expired);
        assertThat(table.quarantined(again)).isTrue();
        table.sweep(t0 + 2 * TIMEOUT + 4 + QUARANTINE + 1, TIMEOUT, QUARANTINE, expired);
        assertThat(table.quarantined(again)).as("freed after the quarantine").isFalse();
        assertThat(table.get(again)).isNull();
    }

    @Test
    void aCompletedQueryIsSweptAtOnceAndSilentOnesAreTakenForRetry() throws Exception {
        query = TestQuery.of("a.test.");
        TestQuery other = TestQuery.of("b.test.");
        try {
            long t0 = 5_000_000L;
            int done = table.add(query, t0);
            int waiting = table.add(other, t0);
            query.done = true;
            long oldest = table.sweep(t0 + 1, TIMEOUT, QUARANTINE, expired);
            assertThat(expired[0]).isOne();
            assertThat(table.quarantined(done)).isTrue();
            assertThat(oldest).isEqualTo(t0);
            // Nothing answered since they left, for longer than the silence bound: out, for another connection.
            assertThat(table.takeUnanswered(t0 + 1000, 500, t0 - 1)).containsExactly(other);
            assertThat(table.quarantined(waiting)).isTrue();
            assertThat(table.live()).isZero();
        } finally {
            other.close();
        }
    }
}
