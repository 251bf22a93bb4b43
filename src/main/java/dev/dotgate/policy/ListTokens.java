package dev.dotgate.policy;

import java.util.Locale;
import java.util.Set;

/**
 * The tokens of a block or exception list line that {@link ListParser} tells apart: the end of a token, an address
 * (the first field of a hosts line), the local names a hosts file lists and a list never blocks, the characters of
 * an adblock rule's name and the adblock options that keep a rule's meaning at the DNS level. Stateless; no
 * allocation except for the rare hosts-skip and option checks.
 */
final class ListTokens {
    private static final Set<String> ACCEPTED_OPTIONS = Set.of("important", "all", "document", "doc");
    private static final Set<String> HOSTS_SKIP = Set.of("localhost", "localhost.localdomain", "broadcasthost",
            "local", "localhost4", "localhost4.localdomain4", "localhost6", "localhost6.localdomain6");
    private static final int SKIP_MAX_LENGTH = HOSTS_SKIP.stream().mapToInt(String::length).max().orElse(0);

    private ListTokens() {
    }

    /** Whether {@code s[from, b)} is a comma-separated list of options that keep a rule's DNS-level meaning. */
    static boolean optionsAccepted(String s, int from, int b) {
        if (from >= b) {
            return false;
        }
        for (String option : s.substring(from, b).split(",", -1)) {
            if (!ACCEPTED_OPTIONS.contains(option.strip().toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    /** A character of a name in an adblock rule. */
    static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                || c == '.';
    }

    /** The end of the token starting at {@code i}: the next white space or {@code b}. */
    static int tokenEnd(String s, int i, int b) {
        while (i < b && s.charAt(i) > ' ') {
            i++;
        }
        return i;
    }

    /** The usual local names of a hosts file (and address-like ones), which a list never blocks. */
    static boolean skippedHostsName(String s, int a, int b) {
        if (s.regionMatches(true, a, "ip6-", 0, 4) || isAddress(s, a, b)) {
            return true;
        }
        if (b - a > SKIP_MAX_LENGTH + 1) { // + 1: a trailing dot
            return false;
        }
        String name = s.substring(a, b).toLowerCase(Locale.ROOT);
        return HOSTS_SKIP.contains(name.endsWith(".") ? name.substring(0, name.length() - 1) : name);
    }

    /** A literal IPv4 address (four decimal parts of at most 255) or something shaped like an IPv6 address. */
    static boolean isAddress(CharSequence s, int a, int b) {
        if (a >= b) {
            return false;
        }
        boolean colon = false;
        for (int i = a; i < b; i++) {
            char c = s.charAt(i);
            if (c == ':') {
                colon = true;
            } else if (c == '%' && colon && i + 1 < b) {
                return true; // a zone follows: fe80::1%eth0
            } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.')) {
                return false;
            }
        }
        if (colon) {
            return true;
        }
        int parts = 0;
        int value = -1;
        for (int i = a; i < b; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (value < 0) {
                    return false;
                }
                parts++;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return value >= 0 && parts == 3;
    }
}
