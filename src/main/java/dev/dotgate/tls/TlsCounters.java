package dev.dotgate.tls;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the TLS front of the DoT and DoH listeners refuses before the handshake ({@link ClientHelloLimit},
 * {@link AlpnGuard}). Owned by this package, which bumps them; {@code observe} reads them. Thread-safe and cheap to
 * bump from any event loop.
 */
public final class TlsCounters {
    /** DoT/DoH connections closed because the TLS ClientHello declared more than limits.max_client_hello. */
    public final LongAdder clientHelloTooLong = new LongAdder();
    /** DoT connections refused because the client offered ALPN without "dot". */
    public final LongAdder refusedAlpn = new LongAdder();
}
