package dev.dotgate.policy;

import dev.dotgate.config.ConfigException;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.PolicyOptions;
import dev.dotgate.policy.local.LocalRecordException;
import dev.dotgate.policy.local.LocalRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/** Builds a {@link Policy} from its settings: reads the allowlist, fetches and loads the lists, parses records. */
public final class PolicyLoader {
    private PolicyLoader() {
    }

    /**
     * Checks what the policy builds from the configuration without loading any list: the access lists, the
     * exempt and trusted ranges and the local records. A {@link dev.dotgate.config.ConfigLoader.Check}: a bad
     * entry is a {@link ConfigException} naming its key and value.
     */
    public static void check(GatewayConfig config) {
        PolicyOptions options = config.policy();
        try {
            AccessList.ranges("proxy_protocol.trusted", config.listen().proxyTrusted());
            AccessList.ranges("limits.exempt", config.limits().exempt());
            LocalRecords.parse(options.local());
        } catch (LocalRecordException e) {
            throw new ConfigException("policy.local" + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        try {
            AccessList.of("acl.plain", options.plainAllow(), options.plainDeny());
            AccessList.of("acl.dot", options.dotAllow(), options.dotDeny());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The block mode named by {@code policy.block_mode} (checked by {@link PolicyOptions}). */
    static BlockMode blockMode(PolicyOptions options) {
        return BlockMode.valueOf(options.blockMode().toUpperCase(Locale.ROOT));
    }

    /**
     * Loads everything {@code options} names. Lists fetched over HTTP are kept under {@code dataDir/lists} so a
     * restart without network still has them. Throws with a one-line message naming what failed.
     */
    public static Policy load(PolicyOptions options, Path dataDir) throws IOException {
        AccessList plain = AccessList.of("acl.plain", options.plainAllow(), options.plainDeny());
        AccessList dot = AccessList.of("acl.dot", options.dotAllow(), options.dotDeny());
        try {
            Allowlist allow = options.allowlist() == null ? null : Allowlist.load(options.allowlist());
            Blocklists lists = options.blocklists().isEmpty() ? null : loadLists(options, dataDir);
            LocalRecords local = options.local().isEmpty() ? null : LocalRecords.parse(options.local());
            return new Policy(plain, dot, allow, lists, blockMode(options), options.blockTtl(), local);
        } catch (ListException e) {
            throw new IOException(e.getMessage(), e);
        } catch (LocalRecordException e) {
            throw new IOException("policy.local" + e.getMessage(), e);
        }
    }

    private static Blocklists loadLists(PolicyOptions options, Path dataDir) throws ListException {
        return Blocklists.load(sources(options.blocklists()), sources(options.exceptions()), cacheDir(dataDir));
    }

    /** Loads the lists again every {@code options.listsRefresh()}; each successful load goes to {@code onLoad}. */
    public static ListRefresher refresher(PolicyOptions options, Path dataDir, Consumer<Blocklists> onLoad) {
        return ListRefresher.start(sources(options.blocklists()), sources(options.exceptions()), cacheDir(dataDir),
                options.listsRefresh(), null, onLoad);
    }

    private static Path cacheDir(Path dataDir) {
        return dataDir.resolve("lists");
    }

    private static List<ListSource> sources(List<String> locations) {
        return locations.stream().map(ListSource::of).toList();
    }
}
