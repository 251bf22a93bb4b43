package dev.dotgate.resolve;

/**
 * What the gateway decided for one query; carried by its event and counted in the metrics. Every completed query
 * has exactly one.
 */
public enum Decision {
    /** Answered by an upstream. */
    FORWARDED("forwarded"),
    /** Answered from the cache, fresh. */
    CACHED("cached"),
    /** Answered from the cache after expiry because no upstream answered (RFC 8767). */
    STALE("stale"),
    /** Answered from the local records in the config. */
    LOCAL("local"),
    /** The name is on a blocklist; the reason names the list. */
    BLOCKED("blocked"),
    /** Allowlist mode and the name matches no entry: REFUSED. */
    REFUSED_ALLOWLIST("refused_allowlist"),
    /** The client address is outside the listener's access list. */
    REFUSED_ACL("refused_acl"),
    /** The message could not be read as a query: FORMERR, or dropped on UDP. */
    MALFORMED("malformed"),
    /** An opcode we do not serve: NOTIMP. */
    NOT_IMPLEMENTED("not_implemented"),
    /** No upstream answered in time: SERVFAIL. */
    UPSTREAM_TIMEOUT("upstream_timeout"),
    /** No upstream could take the query (all down, attempts lost): SERVFAIL. */
    UPSTREAM_FAILED("upstream_failed"),
    /**
     * The upstream's answer failed DNSSEC validation ({@code dnssec.mode = "validate"}): SERVFAIL with the
     * Extended DNS Error saying why; the reason is the validator's.
     */
    BOGUS("bogus"),
    /**
     * Held back by a client limit ({@code [limits]}): a UDP query or answer not sent, a connection closed at
     * accept; the reason says which limit ("query_rate", "inflight", "connections", "rrl", "buffered_bytes").
     */
    RATE_LIMITED("rate_limited");

    private final String label;

    Decision(String label) {
        this.label = label;
    }

    /** Whether no upstream answered: {@link #UPSTREAM_TIMEOUT} or {@link #UPSTREAM_FAILED}. */
    public boolean upstreamFailure() {
        return this == UPSTREAM_TIMEOUT || this == UPSTREAM_FAILED;
    }

    /** The lower-case name used in events and metric labels. */
    public String label() {
        return label;
    }
}
