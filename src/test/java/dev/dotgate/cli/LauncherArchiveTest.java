package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data-sharing archive ({@code ./dotgate}, run on a small jar of its own through
 * {@code DOTGATE_JAR}): a first run writes it under its own name, never at the path a running gateway maps, and
 * the next start renames it into place and maps it.
 */
class LauncherArchiveTest {
    @TempDir
    Path dir;

    @Test
    void aFirstRunWritesItsOwnArchiveAndTheNextStartMovesItIntoPlaceAndMapsIt() throws Exception {
        Path jar = jar();
        Path archive = dir.resolve("app.jar.jsa");

        // --allow-root: as root (CI), a run that will switch users writes no archive (the next test)
        Process first = launch(jar, "", "run", "--allow-root");
        assertThat(first.exitValue()).isZero();
        assertThat(archive).as("the path later starts map").doesNotExist();
        assertThat(written()).as("the archive the first run wrote, under its own name").hasSize(1);

        // -Xshare:on: the JVM refuses to start unless it maps the archive it is given.
        Process second = launch(jar, "-Xshare:on", "run", "--allow-root");
        assertThat(second.exitValue()).as(output(second)).isZero();
        assertThat(archive).exists();
        assertThat(written()).as("nothing left under a run's own name").isEmpty();
    }

    @Test
    void asRootARunThatSwitchesToAnotherUserWritesNoArchiveItCouldNotWrite() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(dev.dotgate.it.Proc.run(5, "id", "-u").out().strip()),
                "as root only");
        Path jar = jar();
        assertThat(launch(jar, "", "run", "--user", "nobody").exitValue()).isZero();
        assertThat(launch(jar, "", "run", "--user=nobody", "--allow-root").exitValue()).isZero();
        Path config = Files.writeString(dir.resolve("d.toml"), "user = \"nobody\"\n");
        assertThat(launch(jar, "", "run", "--allow-root", "--config", config.toString()).exitValue()).isZero();
        assertThat(launch(jar, "", "run").exitValue()).isZero(); // refused by the gateway: nothing to archive
        assertThat(written()).isEmpty();
        assertThat(dir.resolve("app.jar.jsa")).as("nor one moved into place").doesNotExist();
        assertThat(launch(jar, "", "run", "--allow-root").exitValue()).isZero();
        assertThat(written()).as("staying root, it is written").hasSize(1);
    }

    private Process launch(Path jar, String javaOpts, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", Path.of("dotgate").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("DOTGATE_JAR", jar.toString());
        pb.environment().put("DOTGATE_JAVA_OPTS", javaOpts);
        pb.environment().remove("DOTGATE_CDS");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the launcher finished").isTrue();
        return p;
    }

    private String output(Process p) throws IOException {
        return Files.readString(dir.resolve("out.txt"));
    }

    private List<Path> written() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("app\\.jar\\.jsa\\.\\d+")).toList();
        }
    }

    /** A jar whose main class prints one line and exits: enough for the JVM to load classes and archive them. */
    private Path jar() throws IOException {
        Path src = dir.resolve("src/Main.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "public class Main { public static void main(String[] a) {"
                + " System.out.println(String.join(\" \", java.util.List.of(a))); } }");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString());
        assertThat(rc).as("javac").isZero();
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Main");
        Path jar = dir.resolve("app.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.putNextEntry(new JarEntry("Main.class"));
            j.write(Files.readAllBytes(classes.resolve("Main.class")));
            j.closeEntry();
        }
        // The archive must be newer than the jar; file times have a resolution the launcher's -nt sees.
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        return jar;
    }
}
