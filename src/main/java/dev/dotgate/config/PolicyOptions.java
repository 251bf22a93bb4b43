package dev.dotgate.config;

import dev.dotgate.policy.BlockMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Who may resolve what.
 *
 * @param allowlist    allowlist file (exact names and {@code *.suffix}); null: every name may be resolved
 * @param blocklists   block lists, each a file path or an http(s) URL
 * @param exceptions   lists of names never blocked, same forms
 * @param blockMode    how a blocked name is answered
 * @param blockTtl     TTL of null-address block answers
 * @param listsRefresh how often the lists are loaded again
 * @param local        local records in zone-file form, e.g. {@code nas.home.arpa A 192.168.1.10}
 * @param plainAllow   CIDR ranges served on the plain (UDP/TCP) listeners
 * @param plainDeny    CIDR ranges refused there even when allowed
 * @param dotAllow     CIDR ranges served on the DoT listeners
 * @param dotDeny      CIDR ranges refused there even when allowed
 */
public record PolicyOptions(Path allowlist, List<String> blocklists, List<String> exceptions, BlockMode blockMode,
        Duration blockTtl, Duration listsRefresh, List<String> local, List<String> plainAllow,
        List<String> plainDeny, List<String> dotAllow, List<String> dotDeny) {
}
