package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.dotgate.it.TestFiles.procStatus;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dotgate.it.Ports;
import dev.dotgate.it.Proc;
import dev.dotgate.it.TestFiles;
import dev.dotgate.it.Unbound;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --user}: started as root, the gateway binds a privileged port, then serves as {@code nobody} on every
 * thread, with no capability left and its data directory handed over; without {@code --user} root is refused.
 * Runs as root only (CI does); the gateway is a real child process, its ids read from {@code /proc}.
 */
class RunAsUserTest {
    private static final String NOBODY = "65534";

    @TempDir
    Path tmp;

    @BeforeEach
    void asRoot() throws IOException {
        assumeTrue("0".equals(Proc.run(5, "id", "-u").out().strip()), "runs as root only");
        // nobody must reach the data directory below the test's own directory, as below /var/lib
        TestFiles.readableByAll(tmp);
    }

    @Test
    void refusesToServeAsRootWithoutUserOrAllowRoot() throws Exception {
        // a child process, so a gateway that does start is stopped by the timeout instead of holding the test
        Process p = gateway(System.getProperty("java.class.path"), "--listen", "127.0.0.1:0", "--dot-listen",
                "127.0.0.1:0", "--data-dir", tmp.resolve("data").toString(), "--upstream", "udp://127.0.0.1:9");
        try {
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("exited at once: %s", log()).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(log().strip()).isEqualTo("dotgate: refusing to serve as root: give --user NAME (user in the "
                + "config) to bind the ports as root and then run as NAME, or --allow-root to stay root");
        assertThat(tmp.resolve("data")).as("nothing was started").doesNotExist();
    }

    @Test
    void aUserThatDoesNotExistIsNamedWithTheSetting() throws IOException {
        CliRun r = CliRun.of("run", "--user", "no-such-user-here", "--data-dir", tmp.resolve("data").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("dotgate: --user: 'no-such-user-here' is not a user on this system");
        Path config = Files.writeString(tmp.resolve("d.toml"), "user = \"no-such-user-here\"\n");
        r = CliRun.of("check-config", config.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("dotgate: user: 'no-such-user-here' is not a user on this system");
        assertThat(r.err()).doesNotContain("\tat ");
    }

    @Test
    void bindsAPrivilegedPortAsRootThenServesAsTheUserOnEveryThread() throws Exception {
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"))) {
            int port = privilegedFreePort();
            Path data = tmp.resolve("data");
            Process p = gateway(readableClassPath(), "--user", "nobody", "--listen", "127.0.0.1:" + port,
                    "--dot-listen", "127.0.0.1:0", "--data-dir", data.toString(), "--upstream", unbound.uri(),
                    "--upstream-ca", unbound.caFile().toString(), "--dnssec", "process"); // unsigned test zones
            try {
                Ports.awaitListening(port, 20_000);
                Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + port, "a.test", "+short");
                assertThat(dig.out().strip()).as(log()).isEqualTo("192.0.2.1");
                Proc.Result tcp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + port, "+tcp", "a.test", "+short");
                assertThat(tcp.out().strip()).isEqualTo("192.0.2.1");

                List<Path> tasks;
                try (Stream<Path> s = Files.list(Path.of("/proc", "" + p.pid(), "task"))) {
                    tasks = s.toList();
                }
                assertThat(tasks).as("the JVM's threads").hasSizeGreaterThan(5);
                for (Path task : tasks) {
                    Path status = task.resolve("status");
                    assertThat(procStatus(status, "Uid")).as("thread %s", task).isEqualTo(ids(NOBODY));
                    assertThat(procStatus(status, "Gid")).as("thread %s", task).isEqualTo(ids(NOBODY));
                    assertThat(procStatus(status, "Groups")).as("thread %s", task).isEqualTo(NOBODY);
                    assertThat(procStatus(status, "CapEff")).as("thread %s", task).isEqualTo("0000000000000000");
                    assertThat(procStatus(status, "CapPrm")).as("thread %s", task).isEqualTo("0000000000000000");
                }
                List<Path> files;
                try (Stream<Path> s = Files.walk(data)) {
                    files = s.toList();
                }
                assertThat(files).as("the data directory and the CA and certificate made as root")
                        .contains(data.resolve("ca.pem"), data.resolve("server-key.pem"));
                for (Path f : files) {
                    assertThat(Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).as("%s", f)
                            .isEqualTo(65534);
                }
                assertThat(log()).contains("running as user nobody (uid 65534, gid 65534) from now on");
            } finally {
                p.destroy();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            assertThat(p.exitValue()).as(log()).isZero();
            assertThat(log()).contains("dotgate stopped: ").doesNotContain("\tat ");
        }
    }

    /** {@code dotgate run ARGS} in a JVM of its own on {@code classPath}, its output in run.log. */
    private Process gateway(String classPath, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, Main.class.getName(), "run"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile())
                .start();
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("run.log"));
    }

    private static String ids(String id) {
        return String.join("\t", id, id, id, id);
    }

    /** A port below 1024 free on 127.0.0.1 for both UDP and TCP. */
    private static int privilegedFreePort() {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int port = 1000; port > 900; port--) {
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(lo, port));
                    ServerSocket t = new ServerSocket(port, 1, lo)) {
                return port;
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new IllegalStateException("no free port in 901-1000 on 127.0.0.1");
    }

    /**
     * The test's class path copied where {@code nobody} can read it: the JVM opens some jars only when it first
     * needs a class from them, after the switch, and the build's own copies may sit below root's home (mode 700).
     */
    private String readableClassPath() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("classpath"));
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve((i++) + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                try (Stream<Path> s = Files.walk(from)) {
                    for (Path f : (Iterable<Path>) s::iterator) {
                        Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            } else {
                Files.copy(from, to);
            }
            out.add(to.toString());
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x"
                        : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, out);
    }
}
