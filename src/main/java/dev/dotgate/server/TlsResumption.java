package dev.dotgate.server;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import javax.net.ssl.SSLEngine;

/**
 * Whether a finished server handshake resumed a session, for the resumption counter: BoringSSL's own answer,
 * asked through tcnative ({@code SSL.isSessionReused} on the engine's {@code sslPointer}) for DoT and DoH, and
 * through the QUIC engine's {@code isSessionReused} for DoQ (package-private in Netty 4.2.18, so found once by
 * reflection; when it is not there, DoQ resumptions go uncounted rather than guessed).
 */
final class TlsResumption {
    private static final MethodHandle QUIC_REUSED = quicReused();

    private TlsResumption() {
    }

    /** For a DoT or DoH connection, after its handshake succeeded; on its event loop. */
    static boolean resumed(SslHandler ssl) {
        if (ssl != null && ssl.engine() instanceof ReferenceCountedOpenSslEngine e) {
            long pointer = e.sslPointer();
            return pointer != 0 && SSL.isSessionReused(pointer);
        }
        return false;
    }

    /** For a DoQ connection's engine, after its handshake. */
    static boolean resumed(SSLEngine quicEngine) {
        if (QUIC_REUSED == null || quicEngine == null) {
            return false;
        }
        try {
            return (boolean) QUIC_REUSED.invoke(quicEngine);
        } catch (Throwable t) {
            return false;
        }
    }

    private static MethodHandle quicReused() {
        try {
            Class<?> engine = Class.forName("io.netty.handler.codec.quic.QuicheQuicSslEngine");
            var m = engine.getDeclaredMethod("isSessionReused");
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(boolean.class, SSLEngine.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
