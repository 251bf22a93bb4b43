package dev.dotgate.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** This machine's host name, as the default {@code server_name} and a name in the generated certificate. */
public final class HostNames {
    private HostNames() {
    }

    /** {@code /etc/hostname}, else {@code $HOSTNAME}; null when neither says. */
    public static String local() {
        try {
            Path etc = Path.of("/etc/hostname");
            if (Files.isReadable(etc)) {
                String h = Files.readString(etc, StandardCharsets.US_ASCII).trim();
                if (!h.isEmpty()) {
                    return h;
                }
            }
        } catch (IOException ignored) {
            // fall through to the environment
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? null : env.trim();
    }

    /** The host name when it is a valid host name, else {@code localhost}. */
    static String defaultServerName() {
        String host = local();
        if (host != null) {
            String lower = host.toLowerCase(Locale.ROOT);
            if (GatewayConfig.isHostName(lower) && !lower.equals("localhost")) {
                return lower;
            }
        }
        return "localhost";
    }
}
