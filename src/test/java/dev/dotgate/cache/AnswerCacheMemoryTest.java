package dev.dotgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * Measures the heap a full cache takes: 100,000 typical entries (an A answer with EDNS for a unique name, about
 * 80 bytes on the wire). Prints the figure that {@link AnswerCache#ENTRY_OVERHEAD_BYTES} is set from, and checks
 * that {@link AnswerCache#estimatedBytes()} stays near what was measured.
 */
class AnswerCacheMemoryTest {
    private static final int ENTRIES = 100_000;

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    private static AnswerCache cache() {
        CacheOptions d = CacheOptions.defaults();
        return new AnswerCache(new CacheOptions(true, ENTRIES, d.minTtl(), d.maxTtl(), d.negativeMaxTtl(),
                d.staleWindow(), d.staleTtl(), d.prefetchThreshold(), d.prefetchMinHits()));
    }

    /** Fills {@code cache} with {@code count} entries and returns the total of their wire lengths. */
    private static long fill(AnswerCache cache, int count) throws Exception {
        long wireBytes = 0;
        for (int i = 0; i < count; i++) {
            String name = String.format("host-%06d.example-cdn.com.", i);
            Message q = Messages.query(name, Type.A);
            Message a = Messages.answer(q, Messages.rr(name + " 300 IN A 192.0.2." + (i & 0xFF)));
            ByteBuf query = Messages.wire(q);
            ByteBuf answer = Messages.wire(a);
            try {
                CacheKey key = CacheKey.of(query, QueryInfo.parse(query));
                assertThat(cache.put(key, answer)).isEqualTo(PutResult.POSITIVE);
                wireBytes += answer.readableBytes();
            } finally {
                query.release();
                answer.release();
            }
        }
        return wireBytes;
    }

    @Test
    void measuresBytesPerEntry() throws Exception {
        fill(cache(), 2_000); // loads and warms every class involved, so the baseline below already holds them
        long before = usedHeap();
        AnswerCache cache = cache();
        long wireBytes = fill(cache, ENTRIES);
        long after = usedHeap();
        assertThat(cache.size()).isEqualTo(ENTRIES);
        double perEntry = (after - before) / (double) ENTRIES;
        double answerBytes = wireBytes / (double) ENTRIES;
        double estimated = cache.estimatedBytes() / (double) ENTRIES;
        System.out.printf("answer cache: %d entries, %.1f answer bytes each, measured %.1f bytes/entry "
                        + "(overhead %.1f), estimated %.1f bytes/entry%n",
                ENTRIES, answerBytes, perEntry, perEntry - answerBytes, estimated);
        assertThat(estimated).isBetween(perEntry * 0.8, perEntry * 1.2);
        cache.invalidateAll();
        assertThat(cache.estimatedBytes()).isZero();
    }
}
