package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The common pool gets at least two threads unless told otherwise, so CompletableFuture never starts a thread per step. */
class AsyncPoolTest {
    @Test
    void atLeastTwoThreadsUnlessAValueWasGiven() {
        String before = System.getProperty(AsyncPool.PARALLELISM);
        try {
            System.clearProperty(AsyncPool.PARALLELISM);
            AsyncPool.prepare();
            assertThat(Integer.parseInt(System.getProperty(AsyncPool.PARALLELISM))).isGreaterThanOrEqualTo(2);
            System.setProperty(AsyncPool.PARALLELISM, "7");
            AsyncPool.prepare();
            assertThat(System.getProperty(AsyncPool.PARALLELISM)).isEqualTo("7");
        } finally {
            if (before == null) {
                System.clearProperty(AsyncPool.PARALLELISM);
            } else {
                System.setProperty(AsyncPool.PARALLELISM, before);
            }
        }
    }
}
