package dev.dotgate.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/** TLS for the DoT listener: TLS 1.2 and 1.3, ALPN "dot" (RFC 7858bis), the identity's chain. */
public final class ServerTls {
    public static final String ALPN_DOT = "dot";

    private ServerTls() {
    }

    public static SslContext context(ServerIdentity identity) throws SSLException {
        return SslContextBuilder.forServer(identity.key(), identity.chain().toArray(new X509Certificate[0]))
                .sslProvider(TlsProvider.get())
                .protocols("TLSv1.3", "TLSv1.2")
                // Clients offering ALPN without "dot" are refused earlier, by AlpnGuard; clients without ALPN
                // get none back.
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_DOT))
                .build();
    }
}
