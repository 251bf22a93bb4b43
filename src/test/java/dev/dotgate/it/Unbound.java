package dev.dotgate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real Unbound serving DNS-over-TLS on loopback, with a certificate from a test CA made by the openssl tool.
 * It answers locally: {@code a.test} (A 192.0.2.1), {@code big.test} (TXT too large for 512-byte UDP), any
 * name under {@code bench.test} (A 192.0.2.2), {@code short.test} (A with TTL 3) and {@code two.test} (TTL 2);
 * other names under {@code test.} are NXDOMAIN with the zone's SOA (negative TTL 60), every other name NXDOMAIN
 * without one, so no test needs the internet. Every query it receives is logged, so tests can count them.
 */
public final class Unbound implements AutoCloseable {
    public static final String AUTH_NAME = "upstream.test";
    private final Path dir;
    private final int port;
    private final int plainPort;
    private Process process;

    public Unbound(Path dir) throws IOException {
        this(dir, "");
    }

    /** With {@code extra} appended to the server: section, e.g. more {@code local-data:} lines. */
    public Unbound(Path dir, String extra) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.port = Ports.free();
        this.plainPort = Ports.free();
        makeCertificates(dir);
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            big.append("  local-data: 'big.test. 300 IN TXT \"").append("x".repeat(100)).append(i).append("\"'\n");
        }
        Files.writeString(dir.resolve("unbound.conf"), """
                server:
                  interface: 127.0.0.1@%1$d
                  interface: 127.0.0.1@%4$d
                  tls-port: %1$d
                  tls-service-key: "%2$s/upstream.key"
                  tls-service-pem: "%2$s/upstream.pem"
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%2$s"
                  pidfile: ""
                  use-syslog: no
                  logfile: ""
                  verbosity: 1
                  num-threads: 1
                  access-control: 127.0.0.0/8 allow
                  incoming-num-tcp: 500
                  tcp-idle-timeout: 30000
                  do-ip6: no
                  local-zone: "." static
                  log-queries: yes
                  local-zone: "test." static
                  local-data: "test. 3600 IN SOA ns.test. admin.test. 1 3600 600 86400 60"
                  local-data: "a.test. 300 IN A 192.0.2.1"
                  local-data: "short.test. 3 IN A 192.0.2.3"
                  local-data: "two.test. 2 IN A 192.0.2.4"
                  local-zone: "bench.test." redirect
                  local-data: "bench.test. 300 IN A 192.0.2.2"
                %3$s%5$s
                """.formatted(port, dir, big, plainPort, extra.isEmpty() ? "" : "  " + extra.strip()
                        .replace("\n", "\n  ")));
        start();
    }

    public int port() {
        return port;
    }

    /** Where the same Unbound serves plain DNS (UDP and TCP). */
    public int plainPort() {
        return plainPort;
    }

    /** How many queries for {@code name} (no trailing dot, any type) this Unbound has received so far. */
    public long queriesFor(String name) throws IOException {
        String needle = " " + name.toLowerCase(java.util.Locale.ROOT) + ". ";
        try (var lines = Files.lines(dir.resolve("unbound.log"))) {
            return lines.filter(l -> l.contains(" info: ") && l.toLowerCase(java.util.Locale.ROOT).contains(needle))
                    .count();
        }
    }

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    public String uri() {
        return "tls://127.0.0.1:" + port + "#" + AUTH_NAME;
    }

    public void start() throws IOException {
        process = new ProcessBuilder("unbound", "-d", "-c", dir.resolve("unbound.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("unbound.log").toFile())).start();
        Ports.awaitListening(port, 10_000);
    }

    /** SIGKILL: connections die without a goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    static void makeCertificates(Path dir) {
        String d = dir.toString();
        check(Proc.run(30, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-days", "30", "-subj", "/CN=dotgate test CA", "-keyout", d + "/ca.key",
                "-out", d + "/ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign"));
        check(Proc.run(30, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=" + AUTH_NAME, "-keyout", d + "/upstream.key", "-out", d + "/upstream.csr"));
        try {
            Files.writeString(dir.resolve("ext.cnf"),
                    "subjectAltName=DNS:" + AUTH_NAME + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        check(Proc.run(30, "openssl", "x509", "-req", "-in", d + "/upstream.csr", "-CA", d + "/ca.pem",
                "-CAkey", d + "/ca.key", "-CAcreateserial", "-days", "30", "-extfile", d + "/ext.cnf",
                "-out", d + "/upstream.pem"));
    }

    private static void check(Proc.Result r) {
        if (r.exit() != 0) {
            throw new AssertionError("openssl failed: " + r.out());
        }
    }
}
