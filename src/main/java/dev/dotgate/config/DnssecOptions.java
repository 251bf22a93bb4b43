package dev.dotgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * DNSSEC ({@code [dnssec]}): whether the gateway validates the answers it forwards, against which trust anchors.
 *
 * @param mode                  {@code validate}, {@code process} or {@code off}
 * @param trustAnchors          files of DS or DNSKEY records in presentation form that replace the built-in root
 *                              anchors; empty: the root's KSK-2017 and KSK-2024, kept current (RFC 5011)
 * @param negativeTrustAnchors  domains not validated (RFC 7646): their answers are passed on as insecure
 * @param clockSkew             how far a signature's validity period may be off our clock and still count
 * @param nsec3MaxIterations    NSEC3 proofs with more iterations are treated as insecure (RFC 9276)
 * @param anchorRefreshDelay    how soon after start the root's trust anchors are first refreshed (RFC 5011); not
 *                              configurable (tests shorten it)
 */
public record DnssecOptions(
        @Setting(key = "dnssec.mode", flag = "--dnssec", label = "MODE", dflt = "\"validate\"",
                doc = "`validate`: answers are checked up to a trust anchor, secure ones get AD, bogus ones "
                        + "SERVFAIL with an Extended DNS Error; `process`: DO and AD passed through as the upstream "
                        + "set them; `off`: neither asked for nor passed on")
        String mode,
        @Setting(key = "dnssec.trust_anchors", dflt = "[]", check = Setting.Check.FILE, shown = "the root's "
                + "KSK-2017 and KSK-2024, kept current (RFC 5011) in `data_dir/dnssec/root-anchors`",
                doc = "files of DS or DNSKEY records in zone-file form that replace the built-in root anchors "
                        + "(a private root, tests)")
        List<String> trustAnchors,
        @Setting(key = "dnssec.negative_trust_anchors", dflt = "[]", shown = "none", doc = "domains whose "
                + "answers are not validated (RFC 7646), for a zone whose signatures are broken or that is only "
                + "served inside your network under a signed name")
        List<String> negativeTrustAnchors,
        @Setting(key = "dnssec.clock_skew", dflt = "\"1h\"", check = Setting.Check.TTL, doc = "a signature "
                + "whose validity period starts or ends at most this far from our clock still counts")
        Duration clockSkew,
        @Setting(key = "dnssec.nsec3_max_iterations", dflt = "150", min = 0, max = 2500, doc = "an NSEC3 proof "
                + "with more iterations is treated as insecure (RFC 9276)")
        int nsec3MaxIterations,
        @Setting(key = "dnssec.anchor_refresh_delay", internal = true, dflt = "\"10s\"",
                check = Setting.Check.POSITIVE, doc = "the first RFC 5011 refresh of the root's anchors, after start")
        Duration anchorRefreshDelay) {

    /** The values of {@link #mode}. */
    public static final List<String> MODES = List.of("validate", "process", "off");

    public DnssecOptions {
        if (!MODES.contains(mode.toLowerCase(Locale.ROOT))) {
            throw ConfigException.of("dnssec.mode", mode, "is not a mode (use validate, process or off)");
        }
        mode = mode.toLowerCase(Locale.ROOT);
        trustAnchors = List.copyOf(trustAnchors);
        List<String> names = new java.util.ArrayList<>();
        for (String n : negativeTrustAnchors) {
            String name = n.toLowerCase(Locale.ROOT);
            name = name.endsWith(".") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
            if (!name.equals(".") && !GatewayConfig.isHostName(name.replace('_', 'a'))) {
                throw ConfigException.of("dnssec.negative_trust_anchors", n, "is not a domain name");
            }
            names.add(name);
        }
        negativeTrustAnchors = List.copyOf(names);
    }

    /** Whether answers are validated ({@code validate}). */
    public boolean validates() {
        return mode.equals("validate");
    }

    /** The defaults: validating against the built-in root anchors. */
    public static DnssecOptions defaults() {
        return ConfigLoader.defaults().dnssec();
    }
}
