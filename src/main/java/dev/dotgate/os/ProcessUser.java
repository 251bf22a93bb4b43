package dev.dotgate.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this process runs as. */
public final class ProcessUser {
    private ProcessUser() {
    }

    /**
     * Whether the process runs with root's effective user id: the second of {@link #uids} of
     * {@code /proc/self/status} (read, so a start that switches no user does not load the C library binding); where
     * there is no /proc, by the JVM's {@code user.name}.
     */
    public static boolean isRoot() {
        String[] uids = uids(Path.of("/proc/self/status"));
        return uids != null && uids.length > 1 ? "0".equals(uids[1]) : "root".equals(System.getProperty("user.name"));
    }

    /**
     * The ids on the {@code Uid:} line of a process's or thread's {@code status} file in /proc (real, effective,
     * saved, file system), or null when it cannot be read (no /proc, or a thread that has ended).
     */
    static String[] uids(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).strip().split("\\s+");
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
