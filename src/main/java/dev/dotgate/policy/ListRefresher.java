package dev.dotgate.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the lists every {@code period} (first after one period: the caller loads at start-up) and hands each
 * new {@link Blocklists} to a consumer. A failed reload is logged and the consumer keeps what it has. Reloads never
 * overlap.
 */
public final class ListRefresher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListRefresher.class);

    private final Callable<Blocklists> loader;
    private final Consumer<Blocklists> onLoad;
    private final ScheduledExecutorService executor;
    private final boolean ownExecutor;
    private final ScheduledFuture<?> task;

    private ListRefresher(Callable<Blocklists> loader, Duration period, ScheduledExecutorService executor,
            Consumer<Blocklists> onLoad) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("refresh period must be positive: " + period);
        }
        this.loader = loader;
        this.onLoad = onLoad;
        this.ownExecutor = executor == null;
        this.executor = executor != null ? executor : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dotgate-lists");
            t.setDaemon(true);
            return t;
        });
        long nanos = period.toNanos();
        this.task = this.executor.scheduleWithFixedDelay(this::refresh, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Reloads {@code block} and {@code exceptions} every {@code period} with
     * {@link Blocklists#load(List, List, Path)}.
     *
     * @param executor runs the reloads; null to use a daemon thread of the refresher's own
     */
    public static ListRefresher start(List<ListSource> block, List<ListSource> exceptions, Path cacheDir,
            Duration period, ScheduledExecutorService executor, Consumer<Blocklists> onLoad) {
        List<ListSource> b = List.copyOf(block);
        List<ListSource> e = List.copyOf(exceptions);
        return start(() -> Blocklists.load(b, e, cacheDir), period, executor, onLoad);
    }

    /** Calls {@code loader} every {@code period}; a result is passed to {@code onLoad}, a failure only logged. */
    public static ListRefresher start(Callable<Blocklists> loader, Duration period,
            ScheduledExecutorService executor, Consumer<Blocklists> onLoad) {
        return new ListRefresher(loader, period, executor, onLoad);
    }

    private void refresh() {
        Blocklists lists;
        try {
            lists = loader.call();
        } catch (ListException e) {
            log.warn("blocklist refresh failed, keeping the lists loaded before: {}", e.getMessage());
            return;
        } catch (Throwable e) { // never let an exception end the schedule
            log.error("blocklist refresh failed, keeping the lists loaded before", e);
            return;
        }
        try {
            onLoad.accept(lists);
        } catch (Throwable e) {
            log.error("installing refreshed blocklists failed", e);
        }
    }

    /** Stops the schedule (a reload under way finishes); shuts the executor down if the refresher made it. */
    @Override
    public void close() {
        task.cancel(false);
        if (ownExecutor) {
            executor.shutdown();
        }
    }
}
