package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.dotgate.cli.Main;
import dev.dotgate.it.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Private keys are never readable by others, not even for an instant: the system call that creates a key file
 * already gives it mode 0600 (no chmod after the fact, when another user could have opened it), and the data
 * directory is created 0700 the same way. Seen from outside with strace on a real {@code dotgate setup-phone},
 * which makes the local CA in a new data directory.
 */
class KeyFileModesTest {
    /**
     * {@code openat(AT_FDCWD, "PATH", FLAGS, MODE)} and {@code mkdir("PATH", MODE)} lines of strace -f, which
     * prints a call another thread interrupts as {@code openat(..., 0600 <unfinished ...>}, its result on a later
     * line: the arguments are complete either way.
     */
    private static final Pattern OPEN = Pattern.compile(
            "openat\\([^,]+, \"([^\"]+)\", ([A-Z_|]+)(?:, (0\\d+))?(?:\\)| <unfinished)");
    private static final Pattern MKDIR = Pattern.compile(
            "mkdir(?:at)?\\((?:[^,]+, )?\"([^\"]+)\", (0\\d+)(?:\\)| <unfinished)");

    @TempDir
    Path tmp;

    @Test
    void writeMakesSecretsOwnerOnlyAndLeavesNoTemporaryFile() throws Exception {
        Path key = tmp.resolve("k.pem");
        Path created = Pem.newTempFile(key, Pem.OWNER_ONLY);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created))).isEqualTo("rw-------");
        Files.delete(created);
        Pem.write(key, "secret\n", true);
        Pem.write(tmp.resolve("c.pem"), "public\n", false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.getPosixFilePermissions(tmp.resolve("c.pem"))).doesNotContain(
                java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
                java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("k.pem", "c.pem");
        }
        Pem.write(key, "replaced\n", true); // over an existing file: still atomic, still 0600
        assertThat(Files.readString(key)).isEqualTo("replaced\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    }

    @Test
    void keyFilesAndTheDataDirectoryAreCreatedOwnerOnly() throws Exception {
        Proc.Result which = Proc.run(10, "sh", "-c", "command -v strace");
        assumeThat(which.exit()).as("strace (Debian package strace) is needed to watch the system calls").isZero();
        Path data = tmp.resolve("parent").resolve("data");
        Path trace = tmp.resolve("strace.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", trace.toString(), "-e",
                "trace=openat,open,creat,mkdir,mkdirat,chmod,fchmod,fchmodat,rename,renameat,renameat2", java,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "setup-phone", "--data-dir",
                data.toString(), "--server-name", "dotgate.test", "--listen", "127.0.0.1:0", "--for", "1s"));
        Proc.Result run = Proc.run(120, cmd.toArray(new String[0]));
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(Files.exists(data.resolve("ca-key.pem"))).as(run.out()).isTrue();

        List<String> lines = Files.readAllLines(trace);
        List<String> keyCreations = new ArrayList<>();
        boolean dataDirMade = false;
        for (String line : lines) {
            Matcher m = OPEN.matcher(line);
            if (m.find() && m.group(1).startsWith(data.toString()) && m.group(2).contains("O_CREAT")) {
                String name = Path.of(m.group(1)).getFileName().toString();
                if (name.contains("key.pem")) {
                    keyCreations.add(name);
                    assertThat(m.group(3)).as("mode of a new key file: " + line).isEqualTo("0600");
                }
            }
            Matcher d = MKDIR.matcher(line);
            if (d.find() && d.group(1).equals(data.toString())) {
                dataDirMade = true;
                assertThat(d.group(2)).as("mode of the new data directory: " + line).isEqualTo("0700");
            }
        }
        assertThat(keyCreations).as("key files created, seen by strace").hasSizeGreaterThanOrEqualTo(2);
        assertThat(dataDirMade).as("mkdir of %s seen by strace", data).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        for (String key : List.of("ca-key.pem", "server-key.pem")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(key))))
                    .as(key).isEqualTo("rw-------");
        }
    }
}
