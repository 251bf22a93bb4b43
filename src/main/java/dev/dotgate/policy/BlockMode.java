package dev.dotgate.policy;

/** How a blocked name is answered. */
public enum BlockMode {
    /** NXDOMAIN: the name does not exist. What most clients handle best. */
    NXDOMAIN,
    /** REFUSED: the server will not answer. */
    REFUSED,
    /** 0.0.0.0 for A and :: for AAAA with a short TTL, an empty answer for other types. */
    NULL;

    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
