package dev.dotgate.upstream.bootstrap;

/** An upstream's host name could not be resolved: the message names the name, the servers and their answer. */
public final class BootstrapException extends RuntimeException {
    public BootstrapException(String message) {
        super(message);
    }
}
