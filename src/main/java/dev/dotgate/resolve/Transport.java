package dev.dotgate.resolve;

/** How a query reached the gateway. */
public enum Transport {
    UDP, TCP, DOT, DOH, DOQ;

    /**
     * DoT, DoH and DoQ: carried inside TLS (QUIC's for DoQ), so padding applies and the encrypted access list
     * ({@code acl.dot}) rules.
     */
    public boolean encrypted() {
        return this == DOT || this == DOH || this == DOQ;
    }
}
