package dev.dotgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** config sits below the packages that build objects from it: it names none of policy, cache or tls. */
class ConfigLayeringTest {
    private static final Pattern ABOVE = Pattern.compile("dev\\.dotgate\\.(policy|cache|tls|server|upstream|resolve"
            + "|observe|onboard|discovery|cli|limits)\\b|dev\\.dotgate\\.Gateway\\b");

    @Test
    void configReferencesNoPackageAboveIt() throws Exception {
        List<String> offending;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/dotgate/config"))) {
            offending = files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream().filter(l -> ABOVE.matcher(l).find())
                            .map(l -> f.getFileName() + ": " + l.strip());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertThat(offending).isEmpty();
    }
}
