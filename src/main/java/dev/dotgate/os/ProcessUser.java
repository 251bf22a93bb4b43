package dev.dotgate.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this process runs as. */
public final class ProcessUser {
    private ProcessUser() {
    }

    /**
     * Whether the process runs with root's effective user id: the second id of the {@code Uid:} line of
     * {@code /proc/self/status} (read, so a start that switches no user does not load the C library binding); where
     * there is no /proc, by the JVM's {@code user.name}.
     */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return "0".equals(line.substring(4).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: below
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
