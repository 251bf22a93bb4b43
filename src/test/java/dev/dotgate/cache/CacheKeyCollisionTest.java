package dev.dotgate.cache;

import static dev.dotgate.cache.Messages.answer;
import static dev.dotgate.cache.Messages.key;
import static dev.dotgate.cache.Messages.query;
import static dev.dotgate.cache.Messages.rr;
import static dev.dotgate.cache.Messages.wire;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * Names a client can choose so that their {@code Arrays.hashCode} collide (each two-byte block "az" or "b[" adds the
 * same 97 * 31 + 122 = 98 * 31 + 91 to the polynomial hash, so 15 blocks give 32,768 names of one hash) neither share
 * a {@link CacheKey#hashCode} nor slow the cache down.
 */
class CacheKeyCollisionTest {
    /** Heap buffers without the leak detector's stack traces (paranoid in the build), which would dwarf the lookups. */
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);

    /** The {@code i}-th of 2^blocks names whose wire form has one and the same {@code Arrays.hashCode}. */
    private static String collidingName(int i, int blocks) {
        StringBuilder label = new StringBuilder();
        for (int b = 0; b < blocks; b++) {
            label.append((i >>> b & 1) == 0 ? "az" : "b[");
        }
        return label + ".collide.example.";
    }

    private static List<Message> collidingQueries(int count, int blocks) throws Exception {
        List<Message> out = new ArrayList<>(count);
        Set<Integer> plainHashes = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Message q = query(collidingName(i, blocks), Type.A);
            plainHashes.add(Arrays.hashCode(q.getQuestion().getName().toWireCanonical()));
            out.add(q);
        }
        // The key is the lower-cased wire name plus five bytes that are the same for all of them: one plain hash.
        assertThat(plainHashes).hasSize(1);
        return out;
    }

    @Test
    void collidingNamesGetSpreadHashes() throws Exception {
        int n = 10_000;
        List<Message> queries = collidingQueries(n, 14);
        Set<Integer> hashes = new HashSet<>();
        Map<Integer, Integer> buckets = new HashMap<>();
        for (Message q : queries) {
            int h = key(q).hashCode();
            hashes.add(h);
            buckets.merge((h ^ (h >>> 16)) & (16384 - 1), 1, Integer::sum); // ConcurrentHashMap's bin at 16k slots
        }
        // 10,000 random 32-bit values collide with probability ~1%; a few at most.
        assertThat(hashes.size()).isGreaterThanOrEqualTo(n - 3);
        assertThat(buckets.values().stream().mapToInt(Integer::intValue).max().orElseThrow()).isLessThanOrEqualTo(12);
    }

    @Test
    void equalKeysStillEqualAndOrdered() throws Exception {
        CacheKey a = key(query("AZ.Collide.Example.", Type.A));
        CacheKey b = key(query("az.collide.example.", Type.A));
        CacheKey c = key(query("b[.collide.example.", Type.A));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.compareTo(b)).isZero();
        assertThat(a.compareTo(c)).isNegative(); // 'a' < 'b'
        assertThat(c.compareTo(a)).isPositive();
        CacheKey high = key(query("\\200z.collide.example.", Type.A)); // byte 200 sorts after ASCII: unsigned
        assertThat(high.compareTo(c)).isPositive();
        assertThat(key(query("az.collide.example.", Type.AAAA))).isNotEqualTo(a);
    }

    @Test
    void twentyThousandCollidingNamesStayFastInTheCache() throws Exception {
        int n = 20_000;
        List<Message> queries = collidingQueries(n, 15);
        AnswerCache cache = new AnswerCache(new CacheOptions(true, 50_000, Duration.ZERO, Duration.ofDays(1),
                Duration.ofHours(1), Duration.ZERO, Duration.ofSeconds(30), 0.1, 2));
        List<CacheKey> keys = new ArrayList<>(n);
        List<ByteBuf> wires = new ArrayList<>(n);
        for (Message q : queries) {
            keys.add(key(q));
            wires.add(wire(q));
        }
        List<ByteBuf> answers = new ArrayList<>(n);
        for (Message q : queries) {
            answers.add(wire(answer(q, rr(q.getQuestion().getName() + " 3600 IN A 192.0.2.1"))));
        }
        try {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (cache.put(keys.get(i), answers.get(i)) != PutResult.POSITIVE) {
                    throw new AssertionError("not stored: " + keys.get(i));
                }
            }
            long putMillis = (System.nanoTime() - start) / 1_000_000;
            int hits = 0;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < n; i++) {
                    CacheLookup r = cache.lookup(keys.get(i), wires.get(i), UNTRACKED);
                    if (r.hit()) {
                        hits++;
                        r.answer().release();
                    }
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println("colliding names: " + millis + " ms, puts " + putMillis + " ms");
            assertThat(hits).isEqualTo(2 * n);
            // Spread keys: 60,000 operations take tens of milliseconds. With Arrays.hashCode all of them fall into
            // one bin that is scanned in full each time (about 2.4 seconds here, on a quiet machine); 1.5 s leaves
            // room for a busy one.
            assertThat(millis).as("20,000 puts and 40,000 lookups of colliding names, in ms").isLessThan(1500);
        } finally {
            wires.forEach(ByteBuf::release);
            answers.forEach(ByteBuf::release);
        }
    }
}
