package dev.dotgate.cli;

/**
 * The JDK's common fork-join pool, which runs the steps dnsjava's validator chains with {@code thenComposeAsync}
 * and {@code handleAsync} without an executor: on a machine with two cores or fewer its parallelism is 1, and
 * {@code CompletableFuture} then starts a new thread for every such step. At least two threads keep it a pool.
 */
final class AsyncPool {
    static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private AsyncPool() {
    }

    /** Call first thing in {@code main}, before anything touches the common pool; a -D value is kept. */
    static void prepare() {
        if (System.getProperty(PARALLELISM) == null) {
            System.setProperty(PARALLELISM, Integer.toString(Math.max(2,
                    Runtime.getRuntime().availableProcessors() - 1)));
        }
    }
}
