package dev.dotgate.config;

import dev.dotgate.os.Account;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Every setting of a running gateway, after the config file and flags were merged and checked. Each component
 * that is a setting carries its one declaration ({@link Setting}); the others are the sections.
 *
 * @param serverName the name the DoT certificate is issued for (besides localhost and the host name)
 * @param dataDir    where the generated CA and server certificate live
 * @param threads    event-loop threads; 0 means one per core
 * @param forwards   conditional forwarding zones, most specific match wins
 */
public record GatewayConfig(ListenOptions listen, UpstreamOptions upstream,
        @Setting(key = "server_name", flag = "--server-name", label = "NAME", shown = "the host name, else "
                + "`localhost`", restart = true, doc = "name the generated certificate is issued for (it also "
                + "carries `localhost`, the host name, 127.0.0.1, ::1 and the machine's other addresses)")
        String serverName,
        @Setting(key = "data_dir", flag = "--data-dir", label = "DIR", check = Setting.Check.DIR, restart = true,
                shown = "`$XDG_DATA_HOME/dotgate` or `$HOME/.local/share/dotgate`; `/var/lib/dotgate` as root; "
                        + "`~/Library/Application Support/dotgate` on macOS; `%LOCALAPPDATA%\\dotgate` on Windows",
                doc = "holds `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem` (keys owner-only) and the "
                        + "cached lists")
        Path dataDir,
        @Setting(key = "log_level", flag = "--log-level", label = "LEVEL", dflt = "\"info\"",
                doc = "`error`, `warn`, `info`, `debug`, `trace`")
        String logLevel,
        @Setting(key = "threads", dflt = "0", shown = "`0` (one per core)", min = 0, max = 256, restart = true,
                doc = "event-loop threads")
        int threads,
        PolicyOptions policy,
        @Setting(key = "forward", dflt = "[]", shown = "none", doc = "conditional forwarding: `[[forward]]` tables "
                + "with `zone` and `servers`")
        List<ForwardZone> forwards,
        CacheSettings cache, ObserveOptions observe, LimitsOptions limits, DnssecOptions dnssec,
        @Setting(key = "user", flag = "--user", label = "NAME", shown = "none", restart = true,
                doc = "started as root, bind the ports, then run as this user (and its groups) for good; the data "
                        + "directory is handed to it")
        String user,
        @Setting(key = "allow_root", flag = "--allow-root", dflt = "false", restart = true,
                doc = "let `run` go on serving as root when no `user` is given (otherwise it refuses to start)")
        boolean allowRoot) {

    private static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");
    private static final String HOST_NAME = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*";

    public GatewayConfig {
        String level = logLevel.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw ConfigException.of("log_level", logLevel, "is not a log level (use error, warn, info, debug or "
                    + "trace)");
        }
        logLevel = level;
        String name = serverName != null ? serverName.toLowerCase(Locale.ROOT) : HostNames.defaultServerName();
        if (!name.matches(HOST_NAME)) {
            throw ConfigException.of("server_name", serverName, "is not a valid host name");
        }
        serverName = name;
        dataDir = dataDir != null ? dataDir : DataDirs.platformDefault();
        forwards = List.copyOf(forwards);
        if (user != null) {
            try {
                Account.lookup(user);
            } catch (IllegalArgumentException e) {
                throw ConfigException.of("user", user, e.getMessage());
            }
        }
    }

    /** The account {@code user} names, or null when none is set. */
    public Account account() {
        return user == null ? null : Account.lookup(user);
    }

    /** With the default {@link LimitsOptions} and {@link DnssecOptions}. */
    public GatewayConfig(ListenOptions listen, UpstreamOptions upstream, String serverName, Path dataDir,
            String logLevel, int threads, PolicyOptions policy, List<ForwardZone> forwards, CacheSettings cache,
            ObserveOptions observe) {
        this(listen, upstream, serverName, dataDir, logLevel, threads, policy, forwards, cache, observe,
                LimitsOptions.defaults(), DnssecOptions.defaults(), null, false);
    }

    /** Whether {@code name} is a valid host name (lower case). */
    static boolean isHostName(String name) {
        return name.matches(HOST_NAME);
    }

    /** The effective settings as a TOML document that {@code check-config} prints and the loader reads back. */
    public String toToml() {
        return TomlWriter.write(this);
    }
}
