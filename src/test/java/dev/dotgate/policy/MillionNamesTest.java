package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures one million names (plain format): load time, memory, and lookup time on wire-format names in heap and
 * direct buffers. Prints the figures; the assertions are loose so that a noisy machine does not fail it.
 */
class MillionNamesTest {
    private static final int NAMES = 1_000_000;
    private static final int QUERIES = 50_000;

    @TempDir
    Path dir;

    @Test
    void oneMillionNames() throws Exception {
        GeneratedList g = GeneratedList.write(dir.resolve("million.txt"), ListFormat.DOMAINS, NAMES);
        ListSource source = new ListSource("million", g.file.toString());
        System.gc();
        long heapBefore = usedHeap();
        long t0 = System.nanoTime();
        Blocklists lists = Blocklists.load(List.of(source), List.of(), dir);
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        System.gc();
        long heapAfter = usedHeap();
        assertThat(lists.size()).isEqualTo(NAMES);
        assertThat(lists.reports().get(0).badLines()).isEqualTo(g.badLines);

        // Queries: a third listed names, a third names below listed names, a third unlisted names.
        Random random = new Random(7);
        String[] names = new String[QUERIES];
        boolean[] blocked = new boolean[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            int i = random.nextInt(NAMES);
            switch (q % 3) {
                case 0 -> names[q] = GeneratedList.name(i);
                case 1 -> names[q] = "www." + GeneratedList.name(i);
                default -> names[q] = GeneratedList.unlisted(i);
            }
            blocked[q] = q % 3 != 2;
        }
        ByteBuf heap = Unpooled.buffer();
        // Not from an allocator: the tests run the leak detector at paranoid, which records every buffer access of
        // allocated buffers (one stack trace per lookup); production runs it at the default level, which does not.
        ByteBuf direct = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(4 << 20)).clear();
        try {
            int[] offsets = new int[QUERIES];
            for (int q = 0; q < QUERIES; q++) {
                offsets[q] = heap.writerIndex();
                for (String label : names[q].split("\\.")) {
                    heap.writeByte(label.length()).writeBytes(label.getBytes(StandardCharsets.US_ASCII));
                }
                heap.writeByte(0);
            }
            direct.writeBytes(heap, 0, heap.writerIndex());
            for (int q = 0; q < QUERIES; q++) {
                assertThat(lists.blockedBy(heap, offsets[q]) != null).as(names[q]).isEqualTo(blocked[q]);
                assertThat(lists.blockedBy(direct, offsets[q]) != null).as(names[q]).isEqualTo(blocked[q]);
            }
            double heapNs = nanosPerLookup(lists, heap, offsets);
            double directNs = nanosPerLookup(lists, direct, offsets);
            System.out.printf("1M names: load %d ms, memoryBytes %d (%.1f MiB, %.1f bytes/name), heap growth %.1f MiB,"
                    + " lookup %.0f ns (heap buffer) %.0f ns (direct buffer), median of 7 rounds of %d%n",
                    loadMillis, lists.memoryBytes(), lists.memoryBytes() / 1048576.0,
                    lists.memoryBytes() / (double) NAMES, (heapAfter - heapBefore) / 1048576.0, heapNs, directNs,
                    QUERIES);
            assertThat(heapNs).isLessThan(2000);
            assertThat(directNs).isLessThan(2000);
            assertThat(loadMillis).isLessThan(20_000);
        } finally {
            heap.release();
            direct.release();
        }
    }

    private static double nanosPerLookup(Blocklists lists, ByteBuf buf, int[] offsets) {
        int sink = 0;
        for (int warm = 0; warm < 5; warm++) {
            sink += round(lists, buf, offsets);
        }
        double[] rounds = new double[7];
        for (int r = 0; r < rounds.length; r++) {
            long t = System.nanoTime();
            sink += round(lists, buf, offsets);
            rounds[r] = (System.nanoTime() - t) / (double) offsets.length;
        }
        assertThat(sink).isPositive();
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    private static int round(Blocklists lists, ByteBuf buf, int[] offsets) {
        int hits = 0;
        for (int offset : offsets) {
            if (lists.blockedBy(buf, offset) != null) {
                hits++;
            }
        }
        return hits;
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
