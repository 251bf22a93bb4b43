package dev.dotgate.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** BoringSSL through netty-tcnative where it loads, the JDK's TLS otherwise. */
public final class TlsProvider {
    private TlsProvider() {
    }

    public static SslProvider get() {
        return OpenSsl.isAvailable() && !Boolean.getBoolean("dotgate.jdkTls") ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    public static String describe() {
        return get() == SslProvider.OPENSSL ? OpenSsl.versionString() : "JDK " + System.getProperty("java.version");
    }
}
