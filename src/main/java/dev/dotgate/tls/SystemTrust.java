package dev.dotgate.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The CAs the JVM trusts by default (its {@code TrustManagerFactory} with no key store: usually cacerts). */
final class SystemTrust {
    private SystemTrust() {
    }

    /** Read once, on first use; empty if the default store cannot be read. */
    static List<X509Certificate> anchors() {
        return Lazy.ANCHORS;
    }

    static List<X509Certificate> read() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        List<X509Certificate> out = new ArrayList<>();
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                out.addAll(List.of(x.getAcceptedIssuers()));
            }
        }
        return out;
    }

    private static final class Lazy {
        static final List<X509Certificate> ANCHORS = load();

        private static List<X509Certificate> load() {
            try {
                return List.copyOf(read());
            } catch (GeneralSecurityException e) {
                org.slf4j.LoggerFactory.getLogger(SystemTrust.class)
                        .warn("cannot read the JVM's default trust store: {}", e.getMessage());
                return List.of();
            }
        }
    }
}
