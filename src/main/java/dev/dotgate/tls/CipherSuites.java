package dev.dotgate.tls;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.util.List;

/**
 * The one list of cipher suites every TLS endpoint uses, DoT and DoH listeners and the upstream client alike,
 * whichever provider (BoringSSL or the JDK) is in use. TLS 1.2: ECDHE key exchange with an AEAD cipher only
 * (forward secrecy, no CBC, no RSA key exchange). TLS 1.3: its three standard suites, as before (BoringSSL does
 * not let them be configured; the JDK needs them listed to keep TLS 1.3 on).
 *
 * <p>IANA names: Netty passes them to the JDK as they are and converts them to OpenSSL names for BoringSSL.
 */
public final class CipherSuites {
    /** TLS 1.2, in order of preference. */
    public static final List<String> TLS12 = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** TLS 1.3. */
    public static final List<String> TLS13 = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    /** Both, TLS 1.3 first. */
    public static final List<String> ALL = List.copyOf(concat());

    private CipherSuites() {
    }

    private static List<String> concat() {
        java.util.ArrayList<String> all = new java.util.ArrayList<>(TLS13);
        all.addAll(TLS12);
        return all;
    }

    /** Sets the list on {@code builder}; suites the provider lacks are left out rather than failing. */
    public static SslContextBuilder apply(SslContextBuilder builder) {
        return builder.ciphers(ALL, SupportedCipherSuiteFilter.INSTANCE);
    }
}
