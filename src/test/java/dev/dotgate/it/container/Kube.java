package dev.dotgate.it.container;

import dev.dotgate.it.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Kubernetes manifests of packaging/kubernetes as the tests play them with {@code podman kube play}: read,
 * changed line by line where the test must put its own image and upstream (each change fails the test when the
 * line it changes is gone, so a manifest edited out from under a test is noticed), played, and taken down.
 */
final class Kube {
    private Kube() {
    }

    static String manifest(String name) throws IOException {
        return Files.readString(Podman.projectDir().resolve("packaging/kubernetes").resolve(name));
    }

    /**
     * Every line that reads {@code line} (ignoring its indentation) replaced by {@code replacement} lines with the
     * same indentation (none: removed); fails when there is no such line.
     */
    static String replaceLine(String yaml, String line, String... replacement) {
        StringBuilder out = new StringBuilder();
        int found = 0;
        for (String l : yaml.split("\n", -1)) {
            if (l.strip().equals(line)) {
                found++;
                String indent = l.substring(0, l.indexOf(l.strip()));
                for (String r : replacement) {
                    out.append(indent).append(r).append('\n');
                }
            } else {
                out.append(l).append('\n');
            }
        }
        if (found == 0) {
            throw new AssertionError("the manifest has no line '" + line + "' for the test to change:\n" + yaml);
        }
        return out.substring(0, out.length() - 1);
    }

    /**
     * The block that starts with the line {@code key}, indentation included (e.g. a container's
     * {@code "          ports:"}), removed, key and all.
     */
    static String removeBlock(String yaml, String key) {
        List<String> out = new ArrayList<>();
        int blockIndent = -1;
        int found = 0;
        for (String l : yaml.split("\n", -1)) {
            int indent = l.length() - l.stripLeading().length();
            if (blockIndent >= 0) {
                boolean inside = !l.isBlank() && (indent > blockIndent || (indent == blockIndent
                        && l.stripLeading().startsWith("- ")));
                if (inside) {
                    continue;
                }
                blockIndent = -1;
            }
            if (l.equals(key)) {
                blockIndent = indent;
                found++;
                continue;
            }
            out.add(l);
        }
        if (found == 0) {
            throw new AssertionError("the manifest has no '" + key + "' block for the test to remove:\n" + yaml);
        }
        return String.join("\n", out);
    }

    /** {@code podman kube play} (never building an image of its own), failing the test when it fails. */
    static void play(Path file) {
        Podman.podman(300, "kube", "play", "--build=false", file.toString()).ok("podman kube play " + file);
    }

    /** Takes down what {@code file} made (pods and their containers) and the volumes its ConfigMaps became. */
    static void downQuietly(Path file, List<String> pods, List<String> configMapVolumes) {
        if (file != null && Files.exists(file)) {
            Podman.podman(120, "kube", "down", file.toString());
        }
        for (String pod : pods) {
            Podman.podman(120, "pod", "rm", "--force", pod);
        }
        for (String v : configMapVolumes) {
            Podman.podman(60, "volume", "rm", "--force", v);
        }
    }

    /**
     * After a test class: stops its pod's {@code upstream}, takes down what {@code manifest} made ({@code pod} and
     * the volume of {@code configMap}) and deletes {@code dir}, each only when the start got that far.
     */
    static void tearDown(PodUnbound upstream, Path dir, Path manifest, String pod, String configMap)
            throws IOException {
        if (upstream != null) {
            upstream.close();
        }
        if (dir != null) {
            downQuietly(manifest, List.of(pod), List.of(configMap));
            TestFiles.deleteTree(dir);
        }
    }

    /** Fails, with its log, when {@code container} is no longer running (e.g. dotgate exited on a bind error). */
    static void assertRunning(String container) {
        String state = Podman.podman(30, "inspect", "--format", "{{.State.Status}}", container).out().strip();
        if (!state.equals("running")) {
            Podman.Result logs = Podman.podman(30, "logs", "--tail", "20", container);
            throw new AssertionError(container + " is " + state + ":\n" + logs.out() + logs.err());
        }
    }

    /** The host PID of a pod's infra container, whose network namespace every container of the pod shares. */
    static long infraPid(String pod) {
        String infra = Podman.podman(30, "pod", "inspect", "--format", "{{.InfraContainerID}}", pod)
                .ok("podman pod inspect " + pod).out().strip();
        return Podman.pid(infra);
    }

    /**
     * The status line of {@code GET path} on the pod's 127.0.0.1:{@code port}, asked from inside
     * {@code container} with bash's /dev/tcp (the image has no HTTP client), as a kubelet's httpGet probe would.
     */
    static String httpStatus(String container, int port, String path) {
        Podman.Result r = Podman.podman(30, "exec", container, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port
                + " && printf 'GET " + path + " HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3");
        return r.exit() == 0 ? r.out().strip() : "failed: " + r.all();
    }
}
