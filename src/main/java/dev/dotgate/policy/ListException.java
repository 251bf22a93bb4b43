package dev.dotgate.policy;

/**
 * A list could not be loaded: a one-line message naming the list and what failed, meant for the log as it is
 * (user errors such as a missing file or an unreachable URL carry no stack trace worth showing).
 */
public final class ListException extends Exception {
    public ListException(String message) {
        super(message);
    }

    public ListException(String message, Throwable cause) {
        super(message, cause);
    }
}
