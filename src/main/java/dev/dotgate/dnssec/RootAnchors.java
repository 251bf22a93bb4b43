package dev.dotgate.dnssec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Where the gateway's root trust anchors live for its whole run (across reloads): the {@link ManagedAnchors} in
 * {@code data_dir/dnssec/root-anchors}, loaded when a validating snapshot first needs them.
 */
public final class RootAnchors {
    /** The file under the data directory. */
    public static final String FILE = "dnssec/root-anchors";
    private ManagedAnchors managed;

    /** The managed anchors in {@code dataDir}, loaded (or seeded from the built-in ones) on the first call. */
    public synchronized ManagedAnchors in(Path dataDir) throws IOException {
        if (managed == null) {
            managed = ManagedAnchors.load(dataDir.resolve(FILE), TrustAnchors.builtIn(), Instant.now());
        }
        return managed;
    }

    /** The managed anchors if a snapshot loaded them, else null. */
    public synchronized ManagedAnchors loaded() {
        return managed;
    }
}
