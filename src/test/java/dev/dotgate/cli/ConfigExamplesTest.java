package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example configurations in {@code packaging/config} (home, sidecar, node gateway) are accepted by
 * {@code check-config} as they are shipped, and mean what their comments say.
 */
class ConfigExamplesTest {
    private static final Path DIR = Path.of("packaging", "config");

    @TempDir
    Path tmp;

    @Test
    void theHomeExampleServesTheLanAsItsOwnUser() throws IOException {
        Path config = DIR.resolve("home.toml");
        String text = Files.readString(config);
        assertThat(text).contains("user = \"dotgate\"");
        if (Proc.run(5, "id", "-u", "dotgate").exit() != 0) {
            // The example names the account its comment creates; a machine without it checks the same file with
            // an account it has (check-config refuses a user that does not exist, as the next lines show).
            CliRun missing = CliRun.of("check-config", config.toAbsolutePath().toString());
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err()).startsWith("dotgate: user: 'dotgate' is not a user on this system");
            config = Files.writeString(tmp.resolve("home.toml"), text.replace("user = \"dotgate\"",
                    "user = \"nobody\""));
        }
        String out = check(config);
        assertThat(out).contains("plain = [\"0.0.0.0:53\"]").contains("dot = [\"0.0.0.0:853\"]")
                .contains("block_mode = \"null\"").contains("listen = \"127.0.0.1:9153\"");
    }

    @Test
    void theSidecarExampleAllowsOnlyItsListAndLogsToStdout() {
        String out = check(DIR.resolve("sidecar.toml"));
        assertThat(out).contains("plain = [\"127.0.0.1:53\"]").contains("dot = []")
                .contains("allowlist = \"" + DIR.resolve("allowlist.txt").toAbsolutePath() + "\"")
                .contains("sink = \"stdout\"").contains("listen = \"0.0.0.0:9153\"");
    }

    @Test
    void theNodeGatewayExampleListensOnEveryAddressForTheClusterRanges() {
        String out = check(DIR.resolve("node.toml"));
        assertThat(out).contains("plain = [\"0.0.0.0:53\"]").contains("dot = [\"0.0.0.0:853\"]")
                .contains("client_prefix_v4 = 24").contains("sink = \"stdout\"")
                .contains("server_name = \"dotgate.dns.svc.cluster.local\"");
    }

    /** check-config's output for {@code config}, which must be accepted without a word on stderr. */
    private static String check(Path config) {
        CliRun r = CliRun.of("check-config", config.toAbsolutePath().toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        return r.out();
    }
}
