package dev.dotgate.it.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dotgate.it.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * packaging/kubernetes/sidecar.yaml played with {@code podman kube play}, as written but for the images (the
 * image under test for dotgate, and for the app too, which only sleeps there and brings kdig and getent) and the
 * upstream: a real Unbound in the pod's own network namespace ({@link PodUnbound}) instead of the public
 * resolvers, so every query stays on the pod's loopback. The pod has podman's default network, where podman
 * applies the manifest's {@code dnsConfig} (with {@code --network none} it keeps the host's resolv.conf). The app
 * resolves through its resolv.conf, which names only the sidecar; allowed names are answered, others REFUSED
 * without reaching the upstream; dotgate's events on its stdout show both decisions.
 */
class KubernetesSidecarIT {
    private static final String POD = "app-with-dotgate";
    private static final String APP = POD + "-app";
    private static final String DOTGATE = POD + "-dotgate";
    private static final String CONFIG_MAP = "dotgate-sidecar";
    private static final int UPSTREAM_PORT = 5300;

    private static Path dir;
    private static Path manifest;
    private static PodUnbound upstream;

    @BeforeAll
    static void play() throws IOException {
        String image = ContainerImage.get();
        assumeTrue(Podman.onPath("nsenter") && Podman.onPath("unbound"), "needs nsenter (util-linux) and unbound");
        dir = Files.createTempDirectory("dotgate-sidecar-it");
        String yaml = Kube.manifest("sidecar.yaml");
        yaml = Kube.replaceLine(yaml, "image: docker.io/library/debian:bookworm-slim", "image: " + image);
        yaml = Kube.replaceLine(yaml, "image: localhost/dotgate:latest", "image: " + image);
        // the test's upstream serves unsigned names under no root the built-in anchors could prove insecure
        yaml = Kube.replaceLine(yaml, "- --upstream=tls://1.1.1.1#cloudflare-dns.com",
                "- --upstream=udp://127.0.0.1:" + UPSTREAM_PORT, "- --dnssec=process");
        yaml = Kube.replaceLine(yaml, "- --upstream=tls://9.9.9.9#dns.quad9.net");
        manifest = dir.resolve("sidecar.yaml");
        Files.writeString(manifest, yaml);
        Kube.downQuietly(null, List.of(POD), List.of(CONFIG_MAP)); // what an interrupted run left
        Kube.play(manifest);
        upstream = new PodUnbound(dir.resolve("unbound"), Kube.infraPid(POD), UPSTREAM_PORT,
                "api.github.com. 300 IN A 192.0.2.80",
                "pastebin.com. 300 IN A 192.0.2.81",
                "s3.eu-west-1.amazonaws.com. 300 IN A 192.0.2.82",
                "amazonaws.com. 300 IN A 192.0.2.83");
    }

    @AfterAll
    static void down() throws IOException {
        Kube.tearDown(upstream, dir, manifest, POD, CONFIG_MAP);
    }

    @Test
    void appResolvesAllowedNamesThroughTheSidecarOnly() {
        // checked before the app asks anything, so that no query can go to another resolver
        List<String> resolvConf = exec(APP, "cat", "/etc/resolv.conf").out().lines()
                .filter(l -> l.startsWith("nameserver")).toList();
        assertThat(resolvConf).as("the app's resolv.conf (dnsPolicy None, dnsConfig)")
                .containsExactly("nameserver 127.0.0.1");

        Eventually.until(() -> {
            Kube.assertRunning(DOTGATE);
            return exec(APP, "getent", "hosts", "api.github.com").out().contains("192.0.2.80");
        },
                Duration.ofSeconds(30), "the app resolving api.github.com through the sidecar");
        assertThat(exec(APP, "getent", "hosts", "s3.eu-west-1.amazonaws.com").out())
                .as("a name below *.amazonaws.com").contains("192.0.2.82");
    }

    @Test
    void otherNamesAreRefusedAndNeverReachTheUpstream() throws IOException {
        awaitServing();
        assertThat(kdig("pastebin.com")).contains("status: REFUSED");
        assertThat(kdig("amazonaws.com")).as("*.amazonaws.com is only the names below it").contains("status: REFUSED");
        assertThat(upstream.queriesFor("pastebin.com")).isZero();
        assertThat(upstream.queriesFor("amazonaws.com")).isZero();
    }

    @Test
    void eventsOnTheSidecarsStdoutShowBothDecisions() throws IOException {
        awaitServing();
        kdig("api.github.com");
        kdig("pastebin.com");
        ObjectMapper json = new ObjectMapper();
        List<String> decisions = new ArrayList<>();
        Podman.Result logs = Podman.podman(30, "logs", DOTGATE);
        for (String line : logs.out().lines().toList()) {
            if (line.startsWith("{")) {
                JsonNode data = json.readTree(line).path("data");
                decisions.add(data.path("name").asText() + " " + data.path("decision").asText());
            }
        }
        assertThat(decisions).as("events in %s", logs.all())
                .contains("api.github.com. forwarded", "pastebin.com. refused_allowlist");
    }

    @Test
    void sidecarRunsUnprivilegedOnAReadOnlyRootAndAnswersItsProbes() throws IOException {
        awaitServing();
        long pid = Podman.pid(DOTGATE);
        assertThat(Podman.status(pid, "Uid")).isEqualTo("10053\t10053\t10053\t10053");
        assertThat(Podman.status(pid, "CapEff")).as("NET_BIND_SERVICE only (port 53)").isEqualTo("0000000000000400");
        // Kubernetes gives a non-root process its file capability only without no_new_privs (podman would also
        // pass an added capability on as an ambient one, so the bind alone does not show it)
        assertThat(Podman.status(pid, "NoNewPrivs")).as("allowPrivilegeEscalation: true").isEqualTo("0");
        long app = Podman.pid(APP);
        assertThat(Podman.status(app, "CapEff")).as("the app: drop ALL").isEqualTo("0000000000000000");
        for (String c : List.of(DOTGATE, APP)) {
            assertThat(Podman.podman(30, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", c).out().strip())
                    .as("%s readOnlyRootFilesystem", c).isEqualTo("true");
        }
        assertThat(Kube.httpStatus(DOTGATE, 9153, "/health")).matches("HTTP/1\\.[01] 200 .*");
        Eventually.until(() -> Kube.httpStatus(DOTGATE, 9153, "/ready").matches("HTTP/1\\.[01] 200 .*"),
                Duration.ofSeconds(15), "/ready 200");
    }

    /** Until the sidecar answers an allowed name (its upstream started after it, and it probes until it answers). */
    private static void awaitServing() {
        Eventually.until(() -> {
            Kube.assertRunning(DOTGATE);
            return kdig("api.github.com").contains("status: NOERROR");
        }, Duration.ofSeconds(30),
                "the sidecar answering api.github.com");
    }

    private static String kdig(String name) {
        return exec(APP, "kdig", "@127.0.0.1", "+timeout=3", "+retry=0", name, "A").out();
    }

    private static Podman.Result exec(String container, String... command) {
        List<String> cmd = new ArrayList<>(List.of("exec", container));
        cmd.addAll(List.of(command));
        return Podman.podman(60, cmd.toArray(String[]::new));
    }
}
