package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scheduled reloads: new lists are handed over, failures keep the old ones, close stops it. */
class ListRefresherTest {
    @TempDir
    Path dir;

    @Test
    void reloadsChangedFilesAndKeepsTheLastGoodSetOnFailure() throws Exception {
        Path file = Files.writeString(dir.resolve("block.txt"), "one.example\n");
        ListSource source = new ListSource("mine", file.toString());
        BlockingQueue<Blocklists> loaded = new LinkedBlockingQueue<>();
        ListRefresher refresher = ListRefresher.start(List.of(source), List.of(), dir, Duration.ofMillis(50), null,
                loaded::add);
        try {
            Blocklists first = loaded.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.blockedBy("one.example")).isEqualTo("mine");

            Files.writeString(dir.resolve("block.next"), "two.example\n");
            Files.move(dir.resolve("block.next"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Blocklists next;
            do {
                next = loaded.poll(5, TimeUnit.SECONDS);
                assertThat(next).isNotNull();
            } while (next.blockedBy("two.example") == null);
            assertThat(next.blockedBy("one.example")).isNull();

            Files.delete(file); // every reload fails from now on
            Thread.sleep(300);
            loaded.clear();
            Thread.sleep(300);
            assertThat(loaded).isEmpty();
        } finally {
            refresher.close();
        }
    }

    @Test
    void aFailedLoadIsSkippedAndCloseStopsTheScheduleButNotAGivenExecutor() throws Exception {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger calls = new AtomicInteger();
        BlockingQueue<Integer> handed = new LinkedBlockingQueue<>();
        Blocklists lists = Blocklists.empty();
        try {
            ListRefresher refresher = ListRefresher.start(() -> {
                int n = calls.incrementAndGet();
                if (n == 2) {
                    throw new ListException("list x: simulated failure");
                }
                if (n == 3) {
                    throw new IllegalStateException("simulated bug");
                }
                return lists;
            }, Duration.ofMillis(20), executor, l -> handed.add(calls.get()));
            assertThat(handed.poll(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(handed.poll(5, TimeUnit.SECONDS)).isEqualTo(4); // 2 and 3 failed, the schedule went on
            refresher.close();
            Thread.sleep(100);
            int after = calls.get();
            Thread.sleep(200);
            assertThat(calls.get()).isEqualTo(after);
            assertThat(executor.isShutdown()).isFalse();
        } finally {
            executor.shutdownNow();
        }
    }
}
