package dev.dotgate.upstream;

import java.io.IOException;

/** The upstream's certificate chain was valid but its key is not one of the configured pins. */
final class PinMismatchException extends IOException {
    PinMismatchException(String message) {
        super(message);
    }
}
