package dev.dotgate.runtime;

import dev.dotgate.config.GatewayConfig;
import dev.dotgate.policy.ListRefresher;
import dev.dotgate.policy.PolicyLoader;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the blocklists of the serving snapshot fresh: each load in the background is swapped into the snapshot
 * serving at that moment ({@link Snapshot#withPolicy}), never into the one the refresher started from. Reads and
 * swaps happen under {@code lock}, the lock a reload holds while it builds and swaps, so a refresh cannot undo a
 * concurrent reload; and a refresh already running when a reload {@link #restart replaced} its refresher is
 * dropped, so it never puts the old lists back.
 */
public final class ListRefreshing implements AutoCloseable {
    private final Object lock;
    private final AtomicReference<Snapshot> current;
    /** The refresher whose loads are applied; guarded by {@link #lock}. */
    private ListRefresher refresher;

    public ListRefreshing(Object lock, AtomicReference<Snapshot> current) {
        this.lock = lock;
        this.current = current;
    }

    /** Stops the running refresher and starts one for {@code config}'s lists (none when it has no blocklists). */
    public void restart(GatewayConfig config) {
        synchronized (lock) {
            close();
            if (config.policy().blocklists().isEmpty()) {
                return;
            }
            ListRefresher[] self = new ListRefresher[1];
            self[0] = PolicyLoader.refresher(config.policy(), config.dataDir(), current.get().policy().blocklists(),
                    lists -> {
                        synchronized (lock) {
                            if (refresher == self[0] && self[0] != null) {
                                Snapshot now = current.get();
                                current.set(now.withPolicy(now.policy().withBlocklists(lists)));
                            }
                        }
                    });
            refresher = self[0];
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (refresher != null) {
                refresher.close();
                refresher = null;
            }
        }
    }
}
