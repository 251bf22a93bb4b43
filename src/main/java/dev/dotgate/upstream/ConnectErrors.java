package dev.dotgate.upstream;

import javax.net.ssl.SSLException;

/** How a stream upstream tells a connection that never came up from one that broke, and words it for the log. */
final class ConnectErrors {
    private ConnectErrors() {
    }

    /** Whether the connection never came up (refused, timed out, TLS handshake failed): a reason to back off. */
    static boolean isConnectFailure(Throwable cause) {
        return (cause instanceof java.net.ConnectException
                || cause instanceof io.netty.channel.ConnectTimeoutException
                || cause instanceof SSLException
                || cause instanceof PinMismatchException
                || cause.getCause() instanceof SSLException);
    }

    static String describe(Throwable cause) {
        Throwable c = cause;
        while (c.getCause() != null && c.getMessage() != null && c.getCause().getMessage() != null
                && c instanceof io.netty.handler.codec.DecoderException) {
            c = c.getCause();
        }
        String msg = c.getMessage();
        if (c instanceof PinMismatchException) {
            return "key pin mismatch: " + msg;
        }
        if (c instanceof SSLException) {
            return "TLS handshake failed: " + msg;
        }
        return msg == null ? c.getClass().getSimpleName() : msg;
    }
}
