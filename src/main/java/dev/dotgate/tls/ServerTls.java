package dev.dotgate.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * TLS for the encrypted listeners, TLS 1.2 and 1.3 with the identity's chain and {@link CipherSuites}: DoT with ALPN "dot" (RFC 7858bis),
 * DoH with ALPN "h2" then "http/1.1".
 */
public final class ServerTls {
    public static final String ALPN_DOT = "dot";
    /** RFC 9250's ALPN token. */
    public static final String ALPN_DOQ = "doq";

    private ServerTls() {
    }

    public static SslContext context(ServerIdentity identity) throws SSLException {
        // Clients offering ALPN without "dot" are refused earlier, by AlpnGuard; clients without ALPN get none back.
        return build(identity, ALPN_DOT);
    }

    /**
     * DoH: ALPN h2 preferred, http/1.1 too; a client offering neither (or no ALPN) gets HTTP/1.1. The cipher
     * suites ({@link CipherSuites}) are all ones HTTP/2 allows on TLS 1.2 (RFC 9113 section 9.2.2).
     */
    public static SslContext dohContext(ServerIdentity identity) throws SSLException {
        return build(identity, ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    }

    /**
     * The one server context both listeners use, differing only in the ALPN protocols offered. It keeps no
     * server-side session cache: TLS 1.3 resumption rides on stateless session tickets, and the cache would
     * only serve TLS 1.2 session-ID resumption while holding every handshake's session (native and Java
     * objects, up to 20,480 of them for 5 minutes) whether its connection is still open or long gone.
     */
    /**
     * The DoQ context (RFC 9250): QUIC's own TLS 1.3 (BoringSSL inside quiche), ALPN "doq", the same certificate.
     * No 0-RTT: early data would need replay protection the gateway does not keep.
     */
    public static QuicSslContext doqContext(ServerIdentity identity) {
        return QuicSslContextBuilder.forServer(identity.key(), null,
                        identity.chain().toArray(new X509Certificate[0]))
                .applicationProtocols(ALPN_DOQ)
                .earlyData(false)
                .build();
    }

    private static SslContext build(ServerIdentity identity, String... alpn) throws SSLException {
        SslContext context = buildContext(identity, alpn);
        if (context.sessionContext() instanceof OpenSslSessionContext sessions) {
            sessions.setSessionCacheEnabled(false);
        }
        return context;
    }

    private static SslContext buildContext(ServerIdentity identity, String... alpn) throws SSLException {
        return CipherSuites.apply(SslContextBuilder.forServer(identity.key(),
                        identity.chain().toArray(new X509Certificate[0])))
                .sslProvider(TlsProvider.get())
                // Netty hands the key to the TLS engine through an in-memory key store it builds, protects
                // with a password and reads back. PKCS12, the default type, protects it with PBKDF2: 30-40 ms on
                // each side, four times per start (two contexts). JKS's protection costs nothing, and this
                // store never leaves memory.
                .keyStoreType("JKS")
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn))
                .build();
    }
}
