package dev.dotgate.net;

/** A listening address could not be bound; the message names it and says what to do. */
public final class BindFailure extends Exception {
    public BindFailure(String message) {
        super(message);
    }
}
