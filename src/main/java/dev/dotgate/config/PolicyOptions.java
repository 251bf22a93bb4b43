package dev.dotgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Who may resolve what ({@code [policy]} and {@code [acl]}). Plain values: the policy package builds its access
 * lists, lists and local records from them, and reports a bad entry under the key given here.
 *
 * @param allowlist    allowlist file (exact names and {@code *.suffix}); null: every name may be resolved
 * @param blocklists   block lists, each a file path or an http(s) URL
 * @param exceptions   lists of names never blocked, same forms
 * @param blockMode    how a blocked name is answered: {@code nxdomain}, {@code refused} or {@code null}
 * @param blockTtl     TTL of null-address block answers
 * @param edeText      whether a blocked answer's extended error (EDE 15) names the list in its EXTRA-TEXT
 * @param listsRefresh how often the lists are loaded again
 * @param listsStart   what a list URL that cannot be fetched at start (and has no cached copy) does:
 *                     {@code fast}, {@code wait} or {@code fail}
 * @param local        local records in zone-file form, e.g. {@code nas.home.arpa A 192.168.1.10}
 * @param plainAllow   CIDR ranges served on the plain (UDP/TCP) listeners
 * @param plainDeny    CIDR ranges refused there even when allowed
 * @param dotAllow     CIDR ranges served on the DoT listeners
 * @param dotDeny      CIDR ranges refused there even when allowed
 */
public record PolicyOptions(
        @Setting(key = "policy.allowlist", flag = "--allowlist", label = "FILE", check = Setting.Check.FILE,
                shown = "none", doc = "file of names that may be resolved: `example.com` (that name) and "
                        + "`*.example.com` (every name below); everything else is REFUSED")
        Path allowlist,
        @Setting(key = "policy.blocklists", flag = "--blocklist", label = "FILE_OR_URL", dflt = "[]",
                shown = "none", check = Setting.Check.SOURCES, doc = "block lists: file paths or http(s) URLs; hosts, "
                        + "domain-per-line and adblock `\\|\\|name^` lines (`@@` in front makes one an exception)")
        List<String> blocklists,
        @Setting(key = "policy.exceptions", dflt = "[]", shown = "none", check = Setting.Check.SOURCES,
                doc = "lists of names never blocked (and the names below them), same forms")
        List<String> exceptions,
        @Setting(key = "policy.block_mode", dflt = "\"nxdomain\"", doc = "answer to a blocked name: `nxdomain`, "
                + "`refused`, or `null` (0.0.0.0 / :: / empty for other types)")
        String blockMode,
        @Setting(key = "policy.block_ttl", dflt = "\"60s\"", doc = "TTL of `null` answers")
        Duration blockTtl,
        @Setting(key = "policy.ede_text", dflt = "true", doc = "a blocked answer's Extended DNS Error (15 Blocked) "
                + "names the list that blocked it in its EXTRA-TEXT")
        boolean edeText,
        @Setting(key = "policy.lists_refresh", dflt = "\"24h\"", check = Setting.Check.POSITIVE,
                doc = "how often the lists are fetched and loaded again")
        Duration listsRefresh,
        @Setting(key = "policy.lists_start", dflt = "\"fast\"", doc = "a list URL that cannot be fetched at start "
                + "and has no cached copy: `fast` starts without it and retries with backoff, `wait` retries "
                + "before serving, `fail` stops the start")
        String listsStart,
        @Setting(key = "policy.local", dflt = "[]", shown = "none", doc = "local records in zone-file form "
                + "`NAME [TTL] [IN] TYPE DATA` (A, AAAA, CNAME, TXT, PTR; TTL 300 by default)")
        List<String> local,
        @Setting(key = "acl.plain.allow", dflt = PRIVATE, shown = "loopback and private ranges (127/8, 10/8, "
                + "172.16/12, 192.168/16, 100.64/10, 169.254/16, ::1, fc00::/7, fe80::/10)",
                doc = "CIDR ranges served on the plain (UDP/TCP) listeners; others get REFUSED")
        List<String> plainAllow,
        @Setting(key = "acl.plain.deny", dflt = "[]", shown = "none", doc = "CIDR ranges refused on the plain "
                + "listeners even when allowed")
        List<String> plainDeny,
        @Setting(key = "acl.dot.allow", dflt = PRIVATE, shown = "loopback and private ranges, as `acl.plain.allow`",
                doc = "CIDR ranges served on the encrypted (DoT and DoH) listeners; others have their connection "
                        + "closed")
        List<String> dotAllow,
        @Setting(key = "acl.dot.deny", dflt = "[]", shown = "none", doc = "CIDR ranges refused on the DoT and DoH "
                + "listeners even when allowed")
        List<String> dotDeny) {

    /** The loopback and private ranges, as a TOML list. */
    static final String PRIVATE = "[\"127.0.0.0/8\", \"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\", "
            + "\"100.64.0.0/10\", \"169.254.0.0/16\", \"::1/128\", \"fc00::/7\", \"fe80::/10\"]";
    /** The values of {@link #blockMode}. */
    public static final List<String> BLOCK_MODES = List.of("nxdomain", "refused", "null");
    /** The values of {@link #listsStart}. */
    public static final List<String> LISTS_START = List.of("fast", "wait", "fail");

    public PolicyOptions {
        blocklists = List.copyOf(blocklists);
        exceptions = List.copyOf(exceptions);
        local = List.copyOf(local);
        plainAllow = List.copyOf(plainAllow);
        plainDeny = List.copyOf(plainDeny);
        dotAllow = List.copyOf(dotAllow);
        dotDeny = List.copyOf(dotDeny);
        if (!BLOCK_MODES.contains(blockMode)) {
            throw ConfigException.of("policy.block_mode", blockMode, "is not a block mode (use nxdomain, refused "
                    + "or null)");
        }
        if (blockTtl.toSeconds() > 86_400) {
            throw ConfigException.of("policy.block_ttl", Durations.format(blockTtl), "is longer than a day");
        }
        if (!Set.copyOf(LISTS_START).contains(listsStart)) {
            throw ConfigException.of("policy.lists_start", listsStart, "is not a start mode (use fast: start "
                    + "without the list and retry, wait: retry before serving, or fail: stop)");
        }
    }
}
