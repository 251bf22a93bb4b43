package dev.dotgate.config;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory: where it is by platform convention, and keeping it owner-only (it holds the local CA's key).
 */
public final class DataDirs {
    private static final Logger log = LoggerFactory.getLogger(DataDirs.class);
    /** rwx------ */
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /** The sticky bit in {@code unix:mode}: a shared directory such as /tmp, never narrowed. */
    private static final int STICKY = 01000;

    private DataDirs() {
    }

    /**
     * The data directory by platform convention. The home directory is {@code $HOME} when set (the JDK's
     * {@code user.home} comes from the password database, which for a service user may be {@code /nonexistent}).
     */
    public static Path platformDefault() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String env = System.getenv("HOME");
        String home = env != null && !env.isBlank() ? env : System.getProperty("user.home");
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

    /**
     * Checks that {@code dir} exists as a directory or can be created: the nearest existing ancestor must be a
     * directory this user may write. The error says which path, why, and what to do.
     */
    static void checkCreatable(String key, Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            return;
        }
        if (Files.exists(abs)) {
            throw ConfigException.of(key, abs, "is a file, not a directory: set " + key + " (--data-dir) to a "
                    + "directory");
        }
        Path parent = abs.getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent == null) {
            return;
        }
        if (!Files.isDirectory(parent)) {
            throw ConfigException.of(key, abs, "cannot be created: " + parent + " is a file, not a directory; set "
                    + key + " (--data-dir) to a directory you can write");
        }
        if (!Files.isWritable(parent)) {
            throw ConfigException.of(key, abs, "cannot be created: " + parent + " is not writable by user "
                    + System.getProperty("user.name") + "; create it for that user (sudo install -d -o "
                    + System.getProperty("user.name") + " -m 700 " + abs + ") or set " + key
                    + " (--data-dir) to a directory you can write");
        }
    }

    /**
     * Makes sure {@code dir} exists and only its owner can enter it. A missing one is created 0700 (its missing
     * parents with the usual mode); an existing one that lets group or others in is narrowed to owner-only, with a
     * warning when it already holds keys (else an info line: something made it just before, like the list cache),
     * unless it is a shared directory (sticky bit, like /tmp) or a file system root, which only draw the
     * warning. Without POSIX permissions (Windows) the directory is only created: the user's profile directory
     * already keeps others out.
     */
    public static void prepare(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        boolean posix = abs.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(abs)) {
            try {
                if (abs.getParent() != null) {
                    Files.createDirectories(abs.getParent());
                }
                if (posix) {
                    Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                } else {
                    Files.createDirectory(abs);
                }
                return;
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(abs)) {
                    throw cannotCreate(abs, e);
                }
                // made meanwhile by someone else: check it like any existing one
            } catch (IOException e) {
                throw cannotCreate(abs, e);
            }
        }
        if (!posix) {
            return;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(abs);
        Set<PosixFilePermission> others = EnumSet.copyOf(mode);
        others.removeAll(OWNER_ONLY);
        if (others.isEmpty()) {
            return;
        }
        String was = PosixFilePermissions.toString(mode);
        if (abs.getParent() == null || sticky(abs)) {
            log.warn("the data directory {} is shared ({}); it holds the local CA's private key: set data_dir to a "
                    + "directory of its own", abs, was);
            return;
        }
        Set<PosixFilePermission> narrowed = EnumSet.copyOf(mode);
        narrowed.removeAll(others);
        try {
            Files.setPosixFilePermissions(abs, narrowed);
            String message = "the data directory {} was open to group or others ({}); made it owner-only ({}): it "
                    + "holds the local CA's private key";
            if (holdsKeys(abs)) { // as an earlier dotgate left it
                log.warn(message, abs, was, PosixFilePermissions.toString(narrowed));
            } else { // made moments ago for something else (the list cache), before the keys
                log.info(message, abs, was, PosixFilePermissions.toString(narrowed));
            }
        } catch (IOException e) {
            log.warn("the data directory {} is open to group or others ({}) and cannot be made owner-only ({}); it"
                    + " holds the local CA's private key: chmod 700 it", abs, was, e.getMessage());
        }
    }

    /** Which path, why, and the fix: the JDK's message is only the path. */
    private static IOException cannotCreate(Path dir, IOException e) {
        String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied on " + e.getMessage()
                : e instanceof FileAlreadyExistsException ? e.getMessage() + " is a file, not a directory"
                : e.getMessage();
        return new IOException("cannot create the data directory " + dir + ": " + why + "; create it for user "
                + System.getProperty("user.name") + " or set data_dir (--data-dir) to a directory you can write", e);
    }

    /** Whether {@code dir} already holds private keys ({@code *-key.pem}). */
    private static boolean holdsKeys(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith("-key.pem"));
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean sticky(Path dir) {
        try {
            Object mode = Files.getAttribute(dir, "unix:mode");
            return mode instanceof Integer m && (m & STICKY) != 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }
}
