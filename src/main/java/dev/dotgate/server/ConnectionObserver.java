package dev.dotgate.server;

import dev.dotgate.resolve.Transport;

/** Hears about client connections on the stream listeners: for the open-connection and handshake metrics. */
public interface ConnectionObserver {
    ConnectionObserver NONE = new ConnectionObserver() {
        @Override
        public void opened(Transport transport) {
        }

        @Override
        public void closed(Transport transport) {
        }

        @Override
        public void handshake(Transport transport, boolean ok, String cause) {
        }
    };

    /** A DoT, DoH or DoQ client's handshake resumed a session (a ticket from an earlier connection). */
    default void resumed(Transport transport) {
    }

    void opened(Transport transport);

    void closed(Transport transport);

    /**
     * A DoT or DoH ({@code transport}) handshake finished: {@code ok}, or failed for {@code cause}: "alpn" (a DoT
     * client offered ALPN without "dot"), "timeout", "protocol" (TLS-level failure), "client_hello_too_long"
     * (a ClientHello over limits.max_client_hello) or "other".
     */
    void handshake(Transport transport, boolean ok, String cause);
}
