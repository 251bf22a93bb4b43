package dev.dotgate.it.container;

import dev.dotgate.it.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real Unbound inside a pod's network namespace (entered with nsenter, the binary and its files from the host),
 * serving plain DNS on the pod's 127.0.0.1:{@link #port()} as the upstream of the dotgate in that pod: a pod in a
 * network of its own cannot reach the host's loopback, and this keeps the test's traffic on the pod's loopback.
 * It answers only its {@code local-data} (the root zone is {@code static}: it never recurses anywhere), and logs
 * every query it receives, so a test can tell what reached the upstream.
 */
final class PodUnbound implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;

    /**
     * Starts it in the network namespace of process {@code netnsPid} (a pod's infra container), listening on
     * {@code port}, answering {@code records} (zone-file lines, one per line); returns once it serves.
     */
    PodUnbound(Path dir, long netnsPid, int port, String... records) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.port = port;
        StringBuilder data = new StringBuilder();
        for (String r : records) {
            data.append("  local-data: \"").append(r).append("\"\n");
        }
        Files.writeString(dir.resolve("unbound.conf"), """
                server:
                  interface: 127.0.0.1@%d
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%s"
                  pidfile: ""
                  use-syslog: no
                  logfile: ""
                  verbosity: 1
                  num-threads: 1
                  do-ip6: no
                  access-control: 127.0.0.0/8 allow
                  log-queries: yes
                  local-zone: "." static
                %s""".formatted(port, dir, data));
        Path log = dir.resolve("unbound.log");
        process = new ProcessBuilder("nsenter", "--net=/proc/" + netnsPid + "/ns/net", "unbound", "-d", "-c",
                dir.resolve("unbound.conf").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            Eventually.until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("unbound in the pod exited: " + Files.readString(log));
                }
                return Files.exists(log) && Files.readString(log).contains("start of service");
            }, Duration.ofSeconds(15), "unbound serving in the pod");
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    /** How many queries for {@code name} (no trailing dot) it has received (dotgate randomises the letter case). */
    long queriesFor(String name) throws IOException {
        String needle = " " + name.toLowerCase(Locale.ROOT) + ". ";
        return Files.readAllLines(dir.resolve("unbound.log")).stream().map(l -> l.toLowerCase(Locale.ROOT))
                .filter(l -> l.contains(" info: ") && l.contains(needle)).count();
    }

    @Override
    public void close() {
        // nsenter execs unbound (same PID), so this is unbound's SIGTERM
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
