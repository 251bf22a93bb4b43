package dev.dotgate.it.container;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dotgate.it.TestFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs podman (and the other tools the container tests drive) as a child process, with stdout and stderr apart:
 * podman prints its warnings on stderr (on a machine without systemd, that it cannot set up the health check
 * timers), and the tests read JSON from stdout. Podman gets {@code packaging/container/containers.conf} through
 * {@code CONTAINERS_CONF} unless the environment already names one (cgroupfs, runc: podman where systemd is not PID
 * 1, as in CI), and runs in a neutral directory: {@code podman kube play} would otherwise try to build an image from
 * a directory named like the image ({@code dotgate}, which in the repository is the launcher script).
 */
final class Podman {
    record Result(int exit, String out, String err) {
        /** stdout and stderr, for failure messages. */
        String all() {
            return out + (err.isBlank() ? "" : "\n[stderr]\n" + err);
        }

        Result ok(String what) {
            if (exit != 0) {
                throw new AssertionError(what + " failed (exit " + exit + "):\n" + all());
            }
            return this;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Podman() {
    }

    /** The repository root (Maven's basedir). */
    static Path projectDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /**
     * Skips the calling test unless podman, debootstrap (the base image is made locally: no registry here) and
     * {@code more} tools are installed, and this is root (the tests run rootful podman, nsenter and volumes'
     * files on the host).
     */
    static void assumeTools(String... more) {
        List<String> tools = new ArrayList<>(List.of("podman", "debootstrap"));
        tools.addAll(Arrays.asList(more));
        for (String tool : tools) {
            assumeTrue(onPath(tool), tool + " is not installed (Debian: apt-get install podman runc catatonit "
                    + "debootstrap)");
        }
        assumeTrue("root".equals(System.getProperty("user.name")), "the container tests run rootful podman: root");
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** {@code podman ARGS...}, at most {@code timeoutSeconds}. */
    static Result podman(int timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("podman");
        cmd.addAll(Arrays.asList(args));
        return exec(timeoutSeconds, cmd);
    }

    /** Any command, with podman's environment. */
    static Result exec(int timeoutSeconds, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(new File(System.getProperty("java.io.tmpdir")));
            if (System.getenv("CONTAINERS_CONF") == null) {
                pb.environment().put("CONTAINERS_CONF",
                        projectDir().resolve("packaging/container/containers.conf").toString());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = read(p.getInputStream());
            CompletableFuture<String> err = read(p.getErrorStream());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static CompletableFuture<String> read(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The first object of {@code podman inspect}-style JSON output. */
    static JsonNode inspect(String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        Result r = podman(60, a.toArray(String[]::new)).ok("podman " + String.join(" ", args));
        try {
            JsonNode n = JSON.readTree(r.out());
            return n.isArray() ? n.get(0) : n;
        } catch (IOException e) {
            throw new AssertionError("not JSON from podman " + String.join(" ", args) + ": " + r.all(), e);
        }
    }

    /** The host PID of a running container's first process. */
    static long pid(String container) {
        String pid = podman(30, "inspect", "--format", "{{.State.Pid}}", container).ok("podman inspect").out().strip();
        return Long.parseLong(pid);
    }

    /**
     * The {@code Name:\tvalue} lines of {@code /proc/PID/status} of a container's process (Uid, Gid, CapEff...),
     * read on the host: what the kernel says, not what the container's tools say.
     */
    static String status(long pid, String field) throws IOException {
        return TestFiles.procStatus(Path.of("/proc/" + pid + "/status"), field);
    }

    /** Removes containers (their anonymous volumes too) and named volumes, ignoring ones already gone. */
    static void removeQuietly(List<String> containers, List<String> volumes) {
        for (String c : containers) {
            podman(60, "rm", "--force", "--volumes", "--time", "5", c);
        }
        for (String v : volumes) {
            podman(60, "volume", "rm", "--force", v);
        }
    }
}
