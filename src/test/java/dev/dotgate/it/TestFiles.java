package dev.dotgate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/** Files the tests make and read: temporary trees, directories another user must reach, /proc status lines. */
public final class TestFiles {
    private TestFiles() {
    }

    /** Deletes {@code dir} and everything below it, ignoring what is already gone. */
    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * {@code dir}, made readable and searchable by every user (mode 755): for a gateway or container that runs as
     * another user than the test (the suite's own directories are owner-only).
     */
    public static Path readableByAll(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /**
     * The value of the {@code Name:\tvalue} line {@code field} (Uid, Gid, CapEff...) of a {@code /proc/PID/status}
     * or {@code /proc/PID/task/TID/status} file, tabs as the kernel writes them: what the kernel says of a process.
     */
    public static String procStatus(Path status, String field) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + field + " in " + status);
    }
}
