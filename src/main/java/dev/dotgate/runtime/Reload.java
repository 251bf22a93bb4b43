package dev.dotgate.runtime;

import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.Settings;
import dev.dotgate.policy.Policy;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reload: the next {@link Snapshot} is built from a new configuration (reusing what did not change), swapped
 * in, and the previous one retired. Settings that take a restart are compared with what runs (the configuration
 * started with), not with the last file read, and reported by key.
 */
public final class Reload {
    private static final Logger log = LoggerFactory.getLogger(Reload.class);

    private Reload() {
    }

    /**
     * Builds the snapshot for {@code next} and swaps it into {@code current}, under the caller's lock. Throws,
     * keeping everything as it was, when the new policy cannot be loaded. A change of upstreams or forwarding zones
     * empties the cache: its answers came from upstreams that may no longer answer those names.
     */
    public static void apply(GatewayConfig started, GatewayConfig next, AtomicReference<Snapshot> current,
            Services services) throws IOException {
        Snapshot previous = current.get();
        Snapshot built = Snapshot.build(next, previous, services);
        List<String> restart = Settings.changed(started, next, true);
        if (!restart.isEmpty()) {
            log.warn("reload: {} changed; {} a restart to apply (running with the values started with)",
                    String.join(", ", restart), restart.size() == 1 ? "it takes" : "they take");
        }
        current.set(built);
        previous.retire(built);
        boolean routesChanged = !next.upstream().servers().equals(previous.config().upstream().servers())
                || !next.forwards().equals(previous.config().forwards());
        if (routesChanged && built.caching() != null) {
            built.caching().cache().invalidateAll();
        }
        Policy p = built.policy();
        log.info("reloaded the configuration: {} blocked names, {} forwarding zones, cache {}",
                p.blocklists() == null ? 0 : p.blocklists().size(), next.forwards().size(),
                next.cache().enabled() ? "on" : "off");
    }
}
