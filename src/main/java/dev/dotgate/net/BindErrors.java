package dev.dotgate.net;

import java.util.Locale;

/** What to tell the user when an address cannot be bound: which one, why, and what to do about it. */
public final class BindErrors {
    private BindErrors() {
    }

    /**
     * One line for the user: {@code what} (e.g. "cannot listen on udp 127.0.0.1:53"), the reason in plain words,
     * and the fix, naming {@code option} as the way to choose another address.
     */
    public static String describe(Throwable cause, String what, String option) {
        String where = what + ": ";
        String msg = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (msg.contains("in use")) {
            return where + "the address is already in use; stop the other server on that port or choose another "
                    + "address with " + option;
        }
        if (msg.contains("permission") || msg.contains("denied") || msg.contains("not permitted")) {
            return where + "permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE (e.g. "
                    + "sudo setcap cap_net_bind_service=+ep \"$(readlink -f \"$(command -v java)\")\"), "
                    + "or choose a port above 1023 with " + option;
        }
        if (msg.contains("assign") || msg.contains("not available")) {
            return where + "that address is not on this machine; choose one of its own addresses with " + option;
        }
        String text = String.valueOf(cause.getMessage());
        // Netty's native transport says "bind(..) failed: <reason>": the reason is what the user needs.
        return where + (text.startsWith("bind(..) failed: ") ? text.substring("bind(..) failed: ".length()) : text);
    }
}
