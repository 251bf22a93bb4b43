package dev.dotgate.config;

import java.nio.file.Path;
import java.util.Locale;

/** The data directory by platform convention. */
public final class DataDirs {
    private DataDirs() {
    }

    public static Path platformDefault() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String home = System.getProperty("user.home");
        if (os.contains("win")) {
            String local = System.getenv("LOCALAPPDATA");
            return Path.of(local != null ? local : home, "dotgate");
        }
        if (os.contains("mac")) {
            return Path.of(home, "Library", "Application Support", "dotgate");
        }
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/dotgate");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "dotgate") : Path.of(home, ".local", "share", "dotgate");
    }
}
