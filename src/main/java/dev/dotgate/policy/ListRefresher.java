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
 *
 * <p>When the lists in use are incomplete (a list could not be fetched at start and had no cached copy, see
 * {@code policy.lists_start}), the lists are loaded again, leaving out what still fails, after a short delay that
 * doubles on each try up to {@code period} (5 s, 10 s, 20 s, ...), until every list is in; then every period again.
 */
public final class ListRefresher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListRefresher.class);
    /** The first retry after a list was left out. */
    public static final Duration FIRST_RETRY = Duration.ofSeconds(5);

    private final Callable<Blocklists> loader;
    private final Callable<Blocklists> tolerant;
    private final Consumer<Blocklists> onLoad;
    private final ScheduledExecutorService executor;
    private final boolean ownExecutor;
    private final long periodNanos;
    private final long firstRetryNanos;
    private long retryNanos;
    private boolean incomplete;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> task;

    private ListRefresher(Callable<Blocklists> loader, Callable<Blocklists> tolerant, Duration period,
            ScheduledExecutorService executor, Blocklists initial, Duration firstRetry,
            Consumer<Blocklists> onLoad) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("refresh period must be positive: " + period);
        }
        this.loader = loader;
        this.tolerant = tolerant;
        this.onLoad = onLoad;
        this.ownExecutor = executor == null;
        this.executor = executor != null ? executor : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dotgate-lists");
            t.setDaemon(true);
            return t;
        });
        this.periodNanos = period.toNanos();
        this.firstRetryNanos = Math.min(firstRetry.toNanos(), periodNanos);
        this.retryNanos = firstRetryNanos;
        this.incomplete = tolerant != null && initial != null && !initial.missing().isEmpty();
        schedule(incomplete ? firstRetryNanos : periodNanos);
    }

    /**
     * Reloads {@code block} and {@code exceptions} every {@code period} with
     * {@link Blocklists#load(List, List, Path)}.
     *
     * @param executor runs the reloads; null to use a daemon thread of the refresher's own
     */
    public static ListRefresher start(List<ListSource> block, List<ListSource> exceptions, Path cacheDir,
            Duration period, ScheduledExecutorService executor, Consumer<Blocklists> onLoad) {
        return start(block, exceptions, cacheDir, period, executor, null, FIRST_RETRY, onLoad);
    }

    /**
     * As {@link #start(List, List, Path, Duration, ScheduledExecutorService, Consumer)}, starting from
     * {@code initial} (what the caller loaded; null for complete): when it left lists out, they are tried again
     * after {@code firstRetry}, doubling, until every list is in.
     */
    public static ListRefresher start(List<ListSource> block, List<ListSource> exceptions, Path cacheDir,
            Duration period, ScheduledExecutorService executor, Blocklists initial, Duration firstRetry,
            Consumer<Blocklists> onLoad) {
        List<ListSource> b = List.copyOf(block);
        List<ListSource> e = List.copyOf(exceptions);
        return new ListRefresher(() -> Blocklists.load(b, e, cacheDir),
                () -> Blocklists.loadAvailable(b, e, cacheDir, ListSource.FetchOptions.DEFAULTS), period, executor,
                initial, firstRetry, onLoad);
    }

    /** Calls {@code loader} every {@code period}; a result is passed to {@code onLoad}, a failure only logged. */
    public static ListRefresher start(Callable<Blocklists> loader, Duration period,
            ScheduledExecutorService executor, Consumer<Blocklists> onLoad) {
        return new ListRefresher(loader, null, period, executor, null, FIRST_RETRY, onLoad);
    }

    private void schedule(long nanos) {
        if (closed) {
            return;
        }
        try {
            ScheduledFuture<?> t = executor.schedule(this::refresh, nanos, TimeUnit.NANOSECONDS);
            task = t;
            if (closed) { // closed meanwhile: the new task must not run
                t.cancel(false);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the executor is shutting down: closed
        }
    }

    private void refresh() {
        long next = periodNanos;
        try {
            Blocklists lists;
            try {
                lists = (incomplete ? tolerant : loader).call();
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
            if (incomplete && !lists.missing().isEmpty()) {
                retryNanos = Math.min(retryNanos * 2, periodNanos);
                next = retryNanos;
                log.warn("lists {} still not loaded; trying again in {} s", lists.missing(),
                        TimeUnit.NANOSECONDS.toSeconds(next));
            } else if (incomplete) {
                incomplete = false;
                retryNanos = firstRetryNanos;
                log.info("every list is loaded now");
            }
        } finally {
            schedule(next);
        }
    }

    /** Stops the schedule (a reload under way finishes); shuts the executor down if the refresher made it. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
        if (ownExecutor) {
            executor.shutdown();
        }
    }
}
