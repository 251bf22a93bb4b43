package dev.dotgate.it.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The image under test, {@value #NAME}, built once per test run (per JVM: failsafe runs every IT in one) from the
 * repository's Containerfile and the packaged {@code target/dotgate.jar}, by the first test class that asks. Its
 * base image is made first with {@code packaging/container/base-image.sh} when podman does not have it (no
 * registry is reachable here: debootstrap from the Debian mirror). Both steps print how long they took. Layers
 * podman already has are reused, so a build after an unchanged Containerfile only adds the new jar; the image the
 * tag named before is removed once the new one is tagged, so runs do not pile up images.
 */
final class ContainerImage {
    static final String NAME = "localhost/dotgate:test";
    private static String built;
    private static AssertionError failed;

    private ContainerImage() {
    }

    /** Skips without podman or debootstrap; builds the image at the first call; fails when the build fails. */
    static synchronized String get() {
        Podman.assumeTools();
        if (built != null) {
            return built;
        }
        if (failed != null) {
            throw failed;
        }
        try {
            built = build();
            return built;
        } catch (AssertionError e) {
            failed = e;
            throw e;
        }
    }

    private static String build() {
        Path root = Podman.projectDir();
        Path jar = root.resolve("target/dotgate.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: the container tests run after package (./mvnw verify)");
        }
        long t0 = System.nanoTime();
        Podman.exec(900, List.of("bash", root.resolve("packaging/container/base-image.sh").toString()))
                .ok("packaging/container/base-image.sh");
        long t1 = System.nanoTime();
        Podman.Result before = Podman.podman(30, "image", "inspect", "--format", "{{.Id}}", NAME);
        Podman.podman(1800, "build", "--format", "docker", "--network", "host", "--tag", NAME, "--file",
                root.resolve("Containerfile").toString(), root.toString()).ok("podman build");
        long t2 = System.nanoTime();
        String id = Podman.podman(30, "image", "inspect", "--format", "{{.Id}}", NAME).ok("podman image inspect")
                .out().strip();
        if (before.exit() == 0 && !before.out().strip().equals(id)) {
            Podman.podman(60, "rmi", before.out().strip()); // the last run's image; kept if something still uses it
        }
        System.out.printf("ContainerImage: base image %.1f s, podman build %.1f s (%s)%n", seconds(t1 - t0),
                seconds(t2 - t1), id.substring(0, Math.min(12, id.length())));
        return NAME;
    }

    private static double seconds(long nanos) {
        return Duration.ofNanos(nanos).toMillis() / 1000.0;
    }
}
