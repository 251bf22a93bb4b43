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
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PolicyLoader.class);
    /** How often {@code lists_start = "wait"} tries a list before serving without it. */
    static final int WAIT_TRIES = 5;
    /** The first wait of {@code lists_start = "wait"}; a property so that a test need not wait seconds. */
    private static final String WAIT_PROPERTY = "dotgate.listsWaitMillis";
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
            return new Policy(plain, dot, allow, lists, blockMode(options), options.blockTtl(), local,
                    options.edeText());
        } catch (ListException e) {
            throw new IOException(e.getMessage(), e);
        } catch (LocalRecordException e) {
            throw new IOException("policy.local" + e.getMessage(), e);
        }
    }

    /**
     * The lists as {@code policy.lists_start} says: {@code fail} fails on a list that cannot be read at all (no
     * file, or no download and no cached copy); {@code wait} tries such a list again {@value #WAIT_TRIES} times,
     * waiting 1 s, 2 s, 4 s, ... between, and then goes on like {@code fast}: without it, the refresher trying it
     * again with backoff ({@link #refresher}).
     */
    private static Blocklists loadLists(PolicyOptions options, Path dataDir) throws ListException {
        List<ListSource> block = sources(options.blocklists());
        List<ListSource> exceptions = sources(options.exceptions());
        if (options.listsStart().equals("fail")) {
            return Blocklists.load(block, exceptions, cacheDir(dataDir));
        }
        Blocklists lists = Blocklists.loadAvailable(block, exceptions, cacheDir(dataDir),
                ListSource.FetchOptions.DEFAULTS);
        long waitMillis = Long.getLong(WAIT_PROPERTY, 1000);
        for (int i = 1; i < WAIT_TRIES && options.listsStart().equals("wait") && !lists.missing().isEmpty(); i++) {
            log.warn("waiting for lists {} before serving (policy.lists_start = \"wait\"): try {} of {} in {} s",
                    lists.missing(), i + 1, WAIT_TRIES, waitMillis / 1000);
            try {
                Thread.sleep(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            waitMillis *= 2;
            lists = Blocklists.loadAvailable(block, exceptions, cacheDir(dataDir), ListSource.FetchOptions.DEFAULTS);
        }
        if (!lists.missing().isEmpty()) {
            log.warn("serving without lists {} for now; trying again in {} s, then less and less often (set "
                    + "policy.lists_start = \"fail\" to stop instead)", lists.missing(),
                    ListRefresher.FIRST_RETRY.toSeconds());
        }
        return lists;
    }

    /** Loads the lists again every {@code options.listsRefresh()}; each successful load goes to {@code onLoad}. */
    public static ListRefresher refresher(PolicyOptions options, Path dataDir, Consumer<Blocklists> onLoad) {
        return refresher(options, dataDir, null, onLoad);
    }

    /**
     * As {@link #refresher(PolicyOptions, Path, Consumer)}, from the lists in use: lists they left out are tried
     * again soon, with backoff, until every list is in.
     */
    public static ListRefresher refresher(PolicyOptions options, Path dataDir, Blocklists current,
            Consumer<Blocklists> onLoad) {
        return ListRefresher.start(sources(options.blocklists()), sources(options.exceptions()), cacheDir(dataDir),
                options.listsRefresh(), null, current, ListRefresher.FIRST_RETRY, onLoad);
    }

    private static Path cacheDir(Path dataDir) {
        return dataDir.resolve("lists");
    }

    private static List<ListSource> sources(List<String> locations) {
        return locations.stream().map(ListSource::of).toList();
    }
}
