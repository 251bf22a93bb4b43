package dev.dotgate.os;

/** The switch to another user could not be made, or not completely; the message is for the user. */
public final class UserSwitchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserSwitchException(String message) {
        super(message);
    }
}
