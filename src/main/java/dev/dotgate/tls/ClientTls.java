package dev.dotgate.tls;

import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS towards upstreams: certificates verified against the system trust store plus an optional extra CA, the
 * authentication name checked against the certificate (endpoint identification), ALPN "dot" offered (h2 and
 * http/1.1 for DoH), SNI sent,
 * only {@link CipherSuites} offered.
 * Sessions are cached per host and port by the context, so reconnects resume.
 */
public final class ClientTls {
    private ClientTls() {
    }

    /** The DoT context: ALPN "dot". */
    public static SslContext context(Path extraCa) throws IOException, GeneralSecurityException {
        return context(extraCa, ServerTls.ALPN_DOT);
    }

    /** The DoH context: ALPN h2 first, then http/1.1 (RFC 8484 says HTTP/2 is the minimum recommended). */
    public static SslContext https(Path extraCa) throws IOException, GeneralSecurityException {
        return context(extraCa, ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    }

    /**
     * A DoQ context (ALPN "doq", QUIC's TLS 1.3), one per upstream so that its session cache resumes that
     * upstream's next connection; the name is checked as for DoT (endpoint identification).
     */
    public static QuicSslContext quic(Path extraCa) throws IOException, GeneralSecurityException {
        return QuicSslContextBuilder.forClient()
                .trustManager(trusted(extraCa).toArray(new X509Certificate[0]))
                .applicationProtocols(ServerTls.ALPN_DOQ)
                .endpointIdentificationAlgorithm("HTTPS")
                .earlyData(false)
                .build();
    }

    private static List<X509Certificate> trusted(Path extraCa) throws IOException, GeneralSecurityException {
        List<X509Certificate> trusted = new ArrayList<>(SystemTrust.read());
        if (extraCa != null) {
            trusted.addAll(Pem.readCertificates(extraCa));
        }
        return trusted;
    }

    private static SslContext context(Path extraCa, String... alpn) throws IOException, GeneralSecurityException {
        List<X509Certificate> trusted = trusted(extraCa);
        return CipherSuites.apply(SslContextBuilder.forClient())
                .sslProvider(TlsProvider.get())
                .protocols("TLSv1.3", "TLSv1.2")
                .trustManager(trusted)
                .endpointIdentificationAlgorithm("HTTPS")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn))
                .build();
    }
}
