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
 *
 * <p>Most test classes share one instance for the whole suite ({@link Servers#unbound()}), each through its own
 * {@link #view()}: the view counts only the queries received since it was made, so a class sees the counts a
 * private Unbound started in its {@code @BeforeAll} would have shown. The query log is read incrementally, each
 * line once, however often and by however many views it is counted.
 */
public final class Unbound implements AutoCloseable {
    public static final String AUTH_NAME = "upstream.test";
    private final Path dir;
    private final int port;
    private final int plainPort;
    private final QueryLog log;
    /** Index in {@link #log} of the first query this instance counts (0, or where its view began). */
    private final int since;
    /** False for a view: only the instance that started the process stops it. */
    private final boolean owner;
    private Process process;
    private final String address;

    public Unbound(Path dir) throws IOException {
        this(dir, "");
    }

    /** With {@code extra} appended to the server: section, e.g. more {@code local-data:} lines. */
    public Unbound(Path dir, String extra) throws IOException {
        this(dir, extra, "127.0.0.1", Ports.free());
    }

    /** Listening on {@code address} (another loopback address), DoT on {@code port}. */
    public Unbound(Path dir, String extra, String address, int port) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.address = address;
        this.port = port;
        this.plainPort = Ports.free();
        this.log = new QueryLog(dir.resolve("unbound.log"));
        this.since = 0;
        this.owner = true;
        makeCertificates(dir);
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            big.append("  local-data: 'big.test. 300 IN TXT \"").append("x".repeat(100)).append(i).append("\"'\n");
        }
        Files.writeString(dir.resolve("unbound.conf"), """
                server:
                  interface: %6$s@%1$d
                  interface: %6$s@%4$d
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
                        .replace("\n", "\n  "), address));
        start();
    }

    private Unbound(Unbound of) throws IOException {
        this.dir = of.dir;
        this.port = of.port;
        this.plainPort = of.plainPort;
        this.address = of.address;
        this.log = of.log;
        this.since = log.size();
        this.owner = false;
        this.process = of.process;
    }

    /**
     * The same server, counting only queries from now on; {@link #close()}, {@link #kill()} and {@link #start()}
     * are not for views (a test that stops its upstream needs its own, {@link Servers#ownUnbound}).
     */
    public Unbound view() throws IOException {
        return new Unbound(this);
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
        return log.count(since, l -> l.contains(" info: ") && l.contains(needle));
    }

    /** Its directory: config, log, the CA ({@code ca.pem}) and its own pair ({@code upstream.pem}, {@code .key}). */
    public Path dir() {
        return dir;
    }

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    public String uri() {
        return "tls://127.0.0.1:" + port + "#" + AUTH_NAME;
    }

    public void start() throws IOException {
        requireOwner();
        process = new ProcessBuilder("unbound", "-d", "-c", dir.resolve("unbound.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("unbound.log").toFile())).start();
        Ports.awaitListening(address, port, 10_000);
    }

    /** SIGKILL: connections die without a goodbye. */
    public void kill() throws InterruptedException {
        requireOwner();
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (owner && process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private void requireOwner() {
        if (!owner) {
            throw new IllegalStateException("a view of a shared Unbound cannot stop or start it");
        }
    }

    /**
     * Unbound's log, read from where the last read stopped, its lines kept lower-cased in memory: counting never
     * reads a line twice. Thread-safe.
     */
    private static final class QueryLog {
        private final Path file;
        private final java.util.List<String> lines = new java.util.ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private long offset;

        QueryLog(Path file) {
            this.file = file;
        }

        synchronized int size() throws IOException {
            readNew();
            return lines.size();
        }

        synchronized long count(int from, java.util.function.Predicate<String> match) throws IOException {
            readNew();
            long n = 0;
            for (int i = from; i < lines.size(); i++) {
                if (match.test(lines.get(i))) {
                    n++;
                }
            }
            return n;
        }

        private void readNew() throws IOException {
            if (!Files.exists(file)) {
                return;
            }
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
                long size = ch.size();
                if (size <= offset) {
                    return;
                }
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - offset));
                while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                    // read it all
                }
                offset += buf.position();
                partial.append(new String(buf.array(), 0, buf.position(),
                        java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            int start = 0;
            for (int nl; (nl = partial.indexOf("\n", start)) >= 0; start = nl + 1) {
                lines.add(partial.substring(start, nl).toLowerCase(java.util.Locale.ROOT));
            }
            partial.delete(0, start);
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
