package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as shipped counts its direct memory with Netty's own accounting (an allocation over the limit fails
 * at once instead of sleeping in {@code java.nio.Bits.reserveMemory}): a JVM started the way {@code java -jar}
 * starts it, with the jar manifest's {@code Add-Opens} (read from pom.xml), says so; one without them says it
 * cannot. It runs on Netty's pooled allocator.
 */
class DirectMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void theJarsManifestOpensLetNettyCountDirectMemory() throws Exception {
        List<String> opens = manifestAddOpens();
        assertThat(opens).contains("java.base/java.nio");
        List<String> jvm = new ArrayList<>();
        for (String o : opens) {
            jvm.add("--add-opens");
            jvm.add(o + "=ALL-UNNAMED");
        }
        String opened = run("opened", jvm);
        assertThat(opened).contains("direct memory: counted by Netty");
        // The pooled allocator, which gives the chunks of a burst back (see DirectMemory.ALLOCATOR).
        assertThat(opened).contains("buffer allocator: PooledByteBufAllocator");
        assertThat(run("closed", List.of())).contains("direct memory: Netty cannot count its own");
    }

    /** The {@code Add-Opens} entry of the shade plugin's manifest in pom.xml, split on spaces. */
    private static List<String> manifestAddOpens() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<Add-Opens>([^<]*)</Add-Opens>").matcher(pom);
        assertThat(m.find()).as("Add-Opens in pom.xml's manifest entries").isTrue();
        return List.of(m.group(1).trim().split("\\s+"));
    }

    /** Starts {@code dotgate run} at debug level in a new JVM, waits until it listens, stops it; its log. */
    private String run(String name, List<String> jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--allow-root", "--log-level", "debug", "--listen", "127.0.0.1:0", "--dot-listen", "127.0.0.1:0",
                "--data-dir",
                tmp.resolve(name).toString(), "--upstream", "udp://127.0.0.1:9"));
        Path log = tmp.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(log).contains("dotgate listening") && p.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return Files.readString(log);
        } finally {
            p.destroy();
            p.waitFor(15, TimeUnit.SECONDS);
        }
    }
}
