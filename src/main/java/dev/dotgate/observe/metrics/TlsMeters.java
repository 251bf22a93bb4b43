package dev.dotgate.observe.metrics;

import dev.dotgate.tls.TlsCounters;
import java.util.List;

/** What the TLS front refused before the handshake ({@link TlsCounters}). */
public final class TlsMeters extends OwnerMeters {
    public TlsMeters(TlsCounters c) {
        super(List.of(
                new NamedCounter("tlsClientHelloTooLong", "dotgate.tls.client.hello.too.long",
                        "DoT or DoH connections closed because the TLS ClientHello declared "
                                + "more than limits.max_client_hello bytes",
                        c.clientHelloTooLong),
                new NamedCounter("dotRefusedAlpn", "dotgate.dot.refused.alpn",
                        "DoT connections refused because the client offered ALPN without dot",
                        c.refusedAlpn)));
    }
}
