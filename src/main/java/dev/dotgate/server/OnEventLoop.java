package dev.dotgate.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/** Brings an answer, which may resolve on any thread, to the event loop of the connection it goes out on. */
public final class OnEventLoop {
    private OnEventLoop() {
    }

    /**
     * Runs {@code action} with {@code buf} on {@code executor}: at once when already there, else as a task. Takes
     * ownership of {@code buf} and hands it to {@code action}; releases it when the loop is shutting down (the
     * connection is gone then).
     */
    public static void run(EventExecutor executor, ByteBuf buf, Consumer<ByteBuf> action) {
        if (executor.inEventLoop()) {
            action.accept(buf);
            return;
        }
        try {
            executor.execute(() -> action.accept(buf));
        } catch (RejectedExecutionException e) {
            buf.release();
        }
    }
}
