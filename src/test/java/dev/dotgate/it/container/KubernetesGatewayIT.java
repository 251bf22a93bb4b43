package dev.dotgate.it.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dotgate.it.Eventually;
import dev.dotgate.it.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * packaging/kubernetes/gateway.yaml: its ConfigMap's dotgate.toml, as shipped, checked by the image's
 * {@code check-config}; and its Deployment played with {@code podman kube play} (the Service is for a cluster;
 * podman has none), as written but for the image, the upstream (a real Unbound in the pod's network namespace,
 * {@link PodUnbound}), one replica instead of two, and without the container's {@code ports} list: podman 4.3
 * publishes every containerPort on the host's 0.0.0.0, hostPort or not (a second replica's then collide), which
 * Kubernetes never does. It serves plain DNS and DoT on its high ports with no capability at all, as the
 * unprivileged user on a read-only root, and answers /health and /ready on the metrics port.
 */
class KubernetesGatewayIT {
    private static final String POD = "dotgate-pod-0";
    private static final String DOTGATE = POD + "-dotgate";
    private static final String CONFIG_MAP = "dotgate-gateway";
    private static final int UPSTREAM_PORT = 5300;

    private static String image;
    private static Path dir;
    private static Path manifest;
    private static PodUnbound upstream;

    @BeforeAll
    static void play() throws IOException {
        image = ContainerImage.get();
        assumeTrue(Podman.onPath("nsenter") && Podman.onPath("unbound"), "needs nsenter (util-linux) and unbound");
        dir = TestFiles.readableByAll(Files.createTempDirectory("dotgate-gateway-it"));
        String yaml = Kube.manifest("gateway.yaml");
        yaml = Kube.replaceLine(yaml, "image: localhost/dotgate:latest", "image: " + image);
        yaml = Kube.replaceLine(yaml,
                "servers = [\"tls://1.1.1.1#cloudflare-dns.com\", \"tls://9.9.9.9#dns.quad9.net\"]",
                "servers = [\"udp://127.0.0.1:" + UPSTREAM_PORT + "\"]", "[dnssec]", "mode = \"process\"");
        yaml = Kube.replaceLine(yaml, "replicas: 2", "replicas: 1");
        yaml = Kube.removeBlock(yaml, "          ports:");
        manifest = dir.resolve("gateway.yaml");
        Files.writeString(manifest, yaml);
        Kube.downQuietly(null, List.of(POD), List.of(CONFIG_MAP));
        Kube.play(manifest);
        upstream = new PodUnbound(dir.resolve("unbound"), Kube.infraPid(POD), UPSTREAM_PORT,
                "api.github.com. 300 IN A 192.0.2.80");
    }

    @AfterAll
    static void down() throws IOException {
        Kube.tearDown(upstream, dir, manifest, POD, CONFIG_MAP);
    }

    @Test
    void configMapsTomlAsShippedPassesCheckConfig() throws IOException {
        String yaml = Kube.manifest("gateway.yaml");
        StringBuilder toml = new StringBuilder();
        boolean in = false;
        for (String line : yaml.split("\n")) {
            if (line.strip().equals("dotgate.toml: |")) {
                in = true;
            } else if (in && (line.startsWith("    ") || line.isBlank())) {
                toml.append(line.length() >= 4 ? line.substring(4) : "").append('\n');
            } else if (in) {
                break;
            }
        }
        assertThat(toml).as("the ConfigMap's dotgate.toml").contains("[listen]");
        Path config = TestFiles.readableByAll(Files.createDirectories(dir.resolve("config")));
        Files.writeString(config.resolve("dotgate.toml"), toml);
        Files.setPosixFilePermissions(config.resolve("dotgate.toml"), PosixFilePermissions.fromString("rw-r--r--"));
        Podman.Result check = Podman.podman(120, "run", "--rm", "--network", "none", "--volume",
                config + ":/etc/dotgate:ro", image, "check-config", "/etc/dotgate/dotgate.toml");
        assertThat(check.exit()).as(check.all()).isZero();
        assertThat(check.out()).contains("0.0.0.0:5353").contains("0.0.0.0:8853").contains("0.0.0.0:9153")
                .contains("tls://1.1.1.1");
    }

    @Test
    void servesPlainAndDotOnItsHighPortsWithoutAnyCapability() throws IOException {
        Eventually.until(() -> {
            Kube.assertRunning(DOTGATE);
            return kdig("-p", "5353", "api.github.com").contains("status: NOERROR");
        },
                Duration.ofSeconds(30), "the gateway answering on 5353");
        assertThat(kdig("+tcp", "-p", "5353", "api.github.com")).contains("192.0.2.80");
        assertThat(kdig("-p", "8853", "+tls-ca=/var/lib/dotgate/data/ca.pem",
                "+tls-hostname=dotgate.default.svc.cluster.local", "api.github.com"))
                .as("DoT, verified against the generated CA by the ConfigMap's server_name")
                .contains("TLS session").contains("status: NOERROR").contains("192.0.2.80");
        assertThat(upstream.queriesFor("api.github.com")).isPositive();

        long pid = Podman.pid(DOTGATE);
        assertThat(Podman.status(pid, "Uid")).isEqualTo("10053\t10053\t10053\t10053");
        assertThat(Podman.status(pid, "CapEff")).as("drop ALL: none").isEqualTo("0000000000000000");
        assertThat(Podman.status(pid, "NoNewPrivs")).as("allowPrivilegeEscalation: false").isEqualTo("1");
        assertThat(Podman.podman(30, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", DOTGATE).out().strip())
                .isEqualTo("true");
        assertThat(Kube.httpStatus(DOTGATE, 9153, "/health")).matches("HTTP/1\\.[01] 200 .*");
        Eventually.until(() -> Kube.httpStatus(DOTGATE, 9153, "/ready").matches("HTTP/1\\.[01] 200 .*"),
                Duration.ofSeconds(15), "/ready 200");
        assertThat(Podman.podman(30, "logs", DOTGATE).out()).as("events on stdout")
                .contains("\"name\":\"api.github.com.\"").contains("\"decision\":\"forwarded\"");
    }

    private static String kdig(String... args) {
        List<String> cmd = new ArrayList<>(List.of("exec", DOTGATE, "kdig", "@127.0.0.1", "+timeout=3", "+retry=0"));
        cmd.addAll(List.of(args));
        return Podman.podman(60, cmd.toArray(String[]::new)).out();
    }
}
