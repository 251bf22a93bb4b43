package dev.dotgate.it;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (paranoid in the tests, see the pom) reported a buffer that was
 * garbage-collected without being released. Registered for every test class through JUnit's extension
 * auto-detection; the appender is wired in logback-test.xml.
 */
public final class LeakCheck implements AfterAllCallback {
    static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    /** Collects ERROR lines of io.netty.util.ResourceLeakDetector. */
    public static final class Appender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            if (e.getFormattedMessage().contains("LEAK")) {
                LEAKS.add(e.getFormattedMessage());
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // Leaks are reported when a leaked buffer's tracker is collected and a later allocation polls the queue.
        // Each round waits until a collection has run and its cleared references have reached their queues (a
        // sentinel of ours is enqueued), instead of sleeping and hoping it has.
        for (int round = 0; round < 3; round++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            Eventually.until(() -> {
                System.gc();
                return queue.poll() != null;
            }, Duration.ofSeconds(10), "a garbage collection to enqueue its cleared references");
            Reference.reachabilityFence(sentinel);
            for (int i = 0; i < 200; i++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(16);
                b.release();
            }
        }
        if (!LEAKS.isEmpty()) {
            String first = LEAKS.get(0);
            LEAKS.clear();
            throw new AssertionError("Netty reported a buffer leak in " + context.getDisplayName() + ":\n" + first);
        }
    }
}
