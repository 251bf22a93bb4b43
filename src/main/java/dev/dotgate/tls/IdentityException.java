package dev.dotgate.tls;

import java.io.IOException;

/**
 * A certificate/key pair given by the user cannot be served: a file is unreadable or holds no PEM certificate or
 * key, the key does not belong to the certificate, or (on a reload) the certificate is outside its validity. The
 * message names the file and the reason, and says what to do; at start-up it is a configuration error (exit 2).
 */
public final class IdentityException extends IOException {
    public IdentityException(String message) {
        super(message);
    }
}
