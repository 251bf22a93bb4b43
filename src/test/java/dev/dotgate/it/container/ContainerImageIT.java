package dev.dotgate.it.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dotgate.it.Eventually;
import dev.dotgate.it.Ports;
import dev.dotgate.it.Proc;
import dev.dotgate.it.Servers;
import dev.dotgate.it.SignedZones;
import dev.dotgate.it.TestFiles;
import dev.dotgate.it.Unbound;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The container image ({@link ContainerImage}) run with podman: its metadata; the gateway in it serving plain DNS,
 * DoT and DoH on loopback ({@code --network host}) from a real Unbound upstream over DoT, as the unprivileged user
 * with only CAP_NET_BIND_SERVICE, on a read-only root file system, with its health check passing; DNSSEC
 * validation with the runtime's EC crypto; dotgate's own commands through the entrypoint; and the default command,
 * with no arguments, listening on ports 53, 853 and 443 as that user in a network namespace of its own that has
 * only loopback ({@code --network none}: its default upstreams on the internet are unreachable from there, so the
 * test sends nothing off this machine), which only the file capability on the image's java makes possible.
 */
class ContainerImageIT {
    @RegisterExtension
    static final Servers servers = new Servers();

    /** The dotgate user's uid and gid in the image. */
    private static final String UID = "10053";
    /** CAP_NET_BIND_SERVICE (bit 10) alone, as /proc/PID/status shows a capability set. */
    private static final String NET_BIND_ONLY = "0000000000000400";

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final List<String> containers = new ArrayList<>();
    private static final List<String> volumes = new ArrayList<>();
    private static String image;
    private static Unbound unbound;
    /** World-readable files for the container's unprivileged user (the suite's directories are owner-only). */
    private static Path shared;

    @BeforeAll
    static void image() throws IOException {
        image = ContainerImage.get();
        unbound = servers.unbound();
        shared = TestFiles.readableByAll(Files.createTempDirectory("dotgate-container-it"));
        Path upstream = readableDir("upstream");
        readableCopy(unbound.caFile(), upstream.resolve("ca.pem"));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        Podman.removeQuietly(containers, volumes);
        TestFiles.deleteTree(shared);
    }

    @Test
    void imageMetadataNamesTheUserPortsVolumesAndHealthCheck() {
        JsonNode inspect = Podman.inspect("image", "inspect", image);
        JsonNode config = inspect.path("Config");
        String user = config.path("User").asText();
        assertThat(user).as("USER").isEqualTo(UID + ":" + UID);
        assertThat(user.split(":")[0]).as("not root, and numeric (Kubernetes' runAsNonRoot checks it)")
                .isNotIn("", "0", "root").containsOnlyDigits();
        assertThat(fieldNames(config.path("ExposedPorts")))
                .containsExactlyInAnyOrder("53/udp", "53/tcp", "853/tcp", "443/tcp");
        assertThat(fieldNames(config.path("Volumes"))).containsExactlyInAnyOrder("/var/lib/dotgate", "/etc/dotgate");
        assertThat(texts(config.path("Entrypoint"))).containsExactly("/opt/dotgate/dotgate");
        assertThat(texts(config.path("Cmd"))).containsExactly("run", "--listen", "0.0.0.0:53", "--dot-listen",
                "0.0.0.0:853", "--doh-listen", "0.0.0.0:443");
        assertThat(texts(config.path("Env"))).contains("DOTGATE_JAR=/opt/dotgate/dotgate.jar",
                "XDG_DATA_HOME=/var/lib", "DOTGATE_HEALTHCHECK=127.0.0.1:53");
        JsonNode health = inspect.path("Healthcheck");
        assertThat(texts(health.path("Test"))).as("HEALTHCHECK (kept in the docker format)")
                .containsExactly("CMD", "/usr/local/bin/dotgate-healthcheck");
        assertThat(health.path("Interval").asLong()).isPositive();
    }

    @Test
    void servesPlainDotAndDohFromAnUnboundUpstreamAsTheDotgateUserOnAReadOnlyRoot() throws Exception {
        int plain = Ports.free();
        int dot = Ports.free();
        int doh = Ports.free();
        int metrics = Ports.free();
        String volume = volume("data");
        String name = start("serve", List.of("--network", "host", "--read-only",
                "--volume", volume + ":/var/lib/dotgate",
                "--volume", shared.resolve("upstream") + ":/upstream:ro",
                // the test upstream has no root zone (". NS", the check's default, is NXDOMAIN there)
                "--env", "DOTGATE_HEALTHCHECK=127.0.0.1:" + plain, "--env", "DOTGATE_HEALTHCHECK_NAME=a.test A"),
                "run", "--listen", "127.0.0.1:" + plain, "--dot-listen", "127.0.0.1:" + dot,
                "--doh-listen", "127.0.0.1:" + doh, "--metrics-listen", "127.0.0.1:" + metrics,
                "--upstream", "tls://127.0.0.1:" + unbound.port() + "#" + Unbound.AUTH_NAME,
                "--upstream-ca", "/upstream/ca.pem", "--dnssec", "process", "--events", "stdout");

        assertThat(dig("-p", String.valueOf(plain), "a.test", "+short")).isEqualTo("192.0.2.1");
        assertThat(dig("-p", String.valueOf(plain), "+tcp", "a.test", "+short")).isEqualTo("192.0.2.1");
        // The generated CA, read from the data volume on the host; kdig verifies the certificate strictly, by name
        Path data = Path.of(Podman.podman(30, "volume", "inspect", "--format", "{{.Mountpoint}}", volume)
                .ok("podman volume inspect").out().strip());
        Path ca = data.resolve("ca.pem");
        assertThat(ca).as("the local CA in the data volume").isRegularFile();
        Proc.Result tls = Proc.run(20, "kdig", "@127.0.0.1", "-p", String.valueOf(dot), "+tls-ca=" + ca,
                "+tls-hostname=localhost", "+timeout=3", "+retry=0", "a.test");
        assertThat(tls.out()).contains("status: NOERROR").contains("192.0.2.1").contains("TLS session");
        Proc.Result https = Proc.run(20, "kdig", "@127.0.0.1", "-p", String.valueOf(doh), "+https",
                "+tls-ca=" + ca, "+tls-hostname=localhost", "+timeout=3", "+retry=0", "a.test");
        assertThat(https.out()).contains("status: NOERROR").contains("192.0.2.1").contains("HTTP session");
        assertThat(unbound.queriesFor("a.test")).as("answered by the upstream, over DoT").isPositive();

        // The data volume: made from the image's directory, owned by the dotgate user, owner-only
        assertThat(Files.getAttribute(data, "unix:uid")).isEqualTo(Integer.parseInt(UID));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");

        long pid = Podman.pid(name);
        assertThat(Podman.status(pid, "Uid")).as("real, effective, saved and fs uid").isEqualTo(
                String.join("\t", UID, UID, UID, UID));
        assertThat(Podman.status(pid, "Gid")).isEqualTo(String.join("\t", UID, UID, UID, UID));
        assertThat(Podman.status(pid, "CapEff")).as("CAP_NET_BIND_SERVICE and nothing else").isEqualTo(NET_BIND_ONLY);
        assertThat(Podman.podman(30, "top", name, "user", "comm").ok("podman top").out())
                .contains("dotgate").doesNotContain("root");
        assertThat(Podman.podman(30, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name).out().strip())
                .isEqualTo("true");

        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metrics + "/ready")).timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);

        Podman.Result health = Podman.podman(60, "healthcheck", "run", name);
        assertThat(health.exit()).as("podman healthcheck run: %s; the check itself says: %s", health.all(),
                lazy(() -> exec(name, "/usr/local/bin/dotgate-healthcheck").all())).isZero();
        Podman.Result wrongPort = Podman.podman(60, "exec", "--env", "DOTGATE_HEALTHCHECK=127.0.0.1:" + Ports.free(),
                name, "/usr/local/bin/dotgate-healthcheck");
        assertThat(wrongPort.exit()).as("the check with nothing listening: %s", wrongPort.all()).isEqualTo(1);

        String logs = logs(name);
        assertThat(logs).as("Netty's native libraries loaded from the tmpfs /tmp of a read-only container")
                .contains("epoll transport, TLS by BoringSSL");
        assertThat(logs).contains("\"name\":\"a.test.\"").contains("\"decision\":\"forwarded\"")
                .contains("\"transport\":\"dot\"").contains("\"transport\":\"doh\"");

        // SIGTERM to the gateway, PID 1 in the container: a clean stop, exit 0
        Podman.podman(60, "stop", "--time", "15", name).ok("podman stop");
        assertThat(Podman.podman(30, "inspect", "--format", "{{.State.ExitCode}}", name).out().strip())
                .as("exit code after podman stop").isEqualTo("0");
    }

    @Test
    void validatesDnssecWithTheImagesCryptoAndChecksItsConfig() throws Exception {
        SignedZones.assumeTools();
        try (SignedZones zones = new SignedZones(servers.dir("zones"))) {
            Path config = readableDir("dnssec-config");
            readableCopy(zones.trustAnchorFile(), config.resolve("root.key"));
            Files.writeString(config.resolve("dotgate.toml"), """
                    [upstream]
                    servers = ["udp://%s:%d"]

                    [dnssec]
                    mode = "validate"
                    trust_anchors = ["root.key"]
                    """.formatted(zones.resolverAddress(), zones.resolverPort()));
            Files.setPosixFilePermissions(config.resolve("dotgate.toml"), PosixFilePermissions.fromString("rw-r--r--"));

            Podman.Result check = Podman.podman(120, "run", "--rm", "--network", "none",
                    "--volume", config + ":/etc/dotgate:ro", image, "check-config", "/etc/dotgate/dotgate.toml");
            assertThat(check.exit()).as("check-config through the entrypoint: %s", check.all()).isZero();
            assertThat(check.out()).contains("/etc/dotgate/root.key").contains("validate");

            int plain = Ports.free();
            int dot = Ports.free();
            start("dnssec", List.of("--network", "host", "--volume", config + ":/etc/dotgate:ro"),
                    "run", "--config", "/etc/dotgate/dotgate.toml", "--listen", "127.0.0.1:" + plain,
                    "--dot-listen", "127.0.0.1:" + dot);
            Proc.Result secure = Proc.run(20, "dig", "@127.0.0.1", "-p", String.valueOf(plain), "+time=5",
                    "+tries=1", "+dnssec", "www.secure.", "A");
            assertThat(secure.out()).as("validated with the ECDSA P-256 keys of the test hierarchy")
                    .contains("status: NOERROR").containsPattern("flags: qr rd ra ad;").contains("192.0.2.10");
            Proc.Result bogus = Proc.run(20, "dig", "@127.0.0.1", "-p", String.valueOf(plain), "+time=5",
                    "+tries=1", "www.bogus.", "A");
            assertThat(bogus.out()).as("a signature that does not verify").contains("status: SERVFAIL");
        }
    }

    @Test
    void runtimeHasEveryModuleTheJarNeeds() {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = java.util.spi.ToolProvider.findFirst("jdeps").orElseThrow().run(new java.io.PrintWriter(out),
                new java.io.PrintWriter(err), "--print-module-deps", "--ignore-missing-deps", "--multi-release", "17",
                Podman.projectDir().resolve("target/dotgate.jar").toString());
        assertThat(exit).as("jdeps: %s", err).isZero();
        List<String> needed = new ArrayList<>(List.of(out.toString().strip().split(",")));
        needed.add("jdk.crypto.ec"); // a service provider (EC keys), invisible to jdeps
        Podman.Result listed = Podman.podman(120, "run", "--rm", "--network", "none", "--entrypoint",
                "/opt/dotgate/jre/bin/java", image, "--list-modules");
        assertThat(listed.exit()).as(listed.all()).isZero();
        List<String> modules = listed.out().lines().map(l -> l.replaceAll("@.*", "").strip()).toList();
        assertThat(modules).as("the image's runtime (Containerfile's JAVA_MODULES)").containsAll(needed);
    }

    @Test
    void entrypointTakesDotgatesOwnCommands() {
        Podman.Result version = Podman.podman(120, "run", "--rm", "--network", "none", image, "version");
        assertThat(version.exit()).as(version.all()).isZero();
        assertThat(version.out()).as("native transport and TLS as the unprivileged user (Netty's libraries"
                + " unpacked to /tmp)").contains("dotgate ").contains("epoll").contains("BoringSSL");

        Podman.Result help = Podman.podman(120, "run", "--rm", "--network", "none", image, "check-config", "--help");
        assertThat(help.exit()).as(help.all()).isZero();
        assertThat(help.out()).contains("Usage: dotgate check-config");

        Podman.Result missing = Podman.podman(120, "run", "--rm", "--network", "none", image, "check-config",
                "/etc/dotgate/nothing-here.toml");
        assertThat(missing.exit()).as("a configuration error: %s", missing.all()).isEqualTo(2);
        assertThat(missing.err()).contains("/etc/dotgate/nothing-here.toml");
    }

    @Test
    void defaultCommandListensOnPrivilegedPortsThroughTheFileCapability() throws Exception {
        String name = start("default", List.of("--network", "none"));

        long pid = Podman.pid(name);
        assertThat(Podman.status(pid, "Uid")).isEqualTo(String.join("\t", UID, UID, UID, UID));
        assertThat(Podman.status(pid, "CapEff")).isEqualTo(NET_BIND_ONLY);
        assertThat(exec(name, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").out().strip())
                .as("ports below 1024 are privileged in the container: the capability is what binds 53")
                .isEqualTo("1024");
        assertThat(logs(name)).contains("udp [::]:53, tcp [::]:53, dot [::]:853, doh [::]:443");

        // Asked from inside (the container has only loopback): answered, with SERVFAIL since no upstream is
        // reachable from there
        assertThat(exec(name, "kdig", "@127.0.0.1", "-p", "53", "+timeout=5", "+retry=0", "example.com").out())
                .contains("status: SERVFAIL");
        Podman.Result tls = exec(name, "kdig", "@127.0.0.1", "-p", "853", "+tls-ca=/var/lib/dotgate/ca.pem",
                "+tls-hostname=localhost", "+timeout=5", "+retry=0", "example.com");
        assertThat(tls.out()).contains("TLS session").contains("status: SERVFAIL");
        Podman.Result https = exec(name, "kdig", "@127.0.0.1", "-p", "443", "+https",
                "+tls-ca=/var/lib/dotgate/ca.pem", "+tls-hostname=localhost", "+timeout=5", "+retry=0",
                "example.com");
        assertThat(https.out()).contains("HTTP session").contains("status: SERVFAIL");
        Podman.Result health = Podman.podman(60, "healthcheck", "run", name);
        assertThat(health.exit()).as("no upstream answers, so the check fails: %s", health.all()).isNotZero();

        // Without the capability in the bounding set the same command still starts (the plain java), and says
        // why it cannot bind 53
        Podman.Result denied = Podman.podman(120, "run", "--rm", "--network", "none", "--cap-drop",
                "NET_BIND_SERVICE", image);
        assertThat(denied.exit()).as(denied.all()).isEqualTo(2);
        assertThat(denied.err()).contains("cannot listen on udp 0.0.0.0:53: permission denied");
    }

    /** Starts a detached container and waits until the gateway in it is listening; removed after the class. */
    private static String start(String purpose, List<String> podmanOptions, String... args) {
        String name = "dotgate-it-" + purpose + "-" + RUN;
        containers.add(name);
        List<String> cmd = new ArrayList<>(List.of("run", "--detach", "--name", name));
        cmd.addAll(podmanOptions);
        cmd.add(image);
        cmd.addAll(List.of(args));
        Podman.podman(120, cmd.toArray(String[]::new)).ok("podman run " + name);
        Eventually.until(() -> {
            String logs = logs(name);
            if (logs.contains("dotgate listening on")) {
                return true;
            }
            String state = Podman.podman(30, "inspect", "--format", "{{.State.Status}}", name).out().strip();
            if (!state.equals("running") && !state.equals("created")) {
                throw new AssertionError(name + " is " + state + ":\n" + logs);
            }
            return false;
        }, Duration.ofSeconds(60), name + " listening");
        return name;
    }

    /** Computed only when an assertion's message is shown. */
    private static Object lazy(java.util.function.Supplier<String> message) {
        return new Object() {
            @Override
            public String toString() {
                return message.get();
            }
        };
    }

    private static String volume(String purpose) {
        String name = "dotgate-it-" + purpose + "-" + RUN;
        volumes.add(name);
        return name;
    }

    private static String logs(String container) {
        Podman.Result r = Podman.podman(30, "logs", container);
        return r.out() + r.err();
    }

    private static Podman.Result exec(String container, String... command) {
        List<String> cmd = new ArrayList<>(List.of("exec", container));
        cmd.addAll(List.of(command));
        return Podman.podman(60, cmd.toArray(String[]::new));
    }

    private static String dig(String... args) {
        List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "+time=3", "+tries=1"));
        cmd.addAll(List.of(args));
        return Proc.run(20, cmd.toArray(String[]::new)).out().strip();
    }

    private static Path readableDir(String name) throws IOException {
        return TestFiles.readableByAll(Files.createDirectories(shared.resolve(name)));
    }

    private static void readableCopy(Path from, Path to) throws IOException {
        Files.copy(from, to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
