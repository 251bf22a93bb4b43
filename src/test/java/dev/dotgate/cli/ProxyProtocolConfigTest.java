package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [proxy_protocol]} and {@code --proxy-trusted} as a user meets them: round trip and named errors. */
class ProxyProtocolConfigTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void trustedRangesRoundTripAndDefaultToOff() throws Exception {
        Path off = Files.writeString(tmp.resolve("off.toml"), "");
        assertThat(run("check-config", off.toString()).out()).contains("[proxy_protocol]\ntrusted = []");
        Path f = Files.writeString(tmp.resolve("on.toml"), """
                [proxy_protocol]
                trusted = ["10.0.0.0/8", "fd00::/8", "192.0.2.10"]
                """);
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("trusted = [\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.10\"]");
        Path again = Files.writeString(tmp.resolve("again.toml"), r.out());
        assertThat(run("check-config", again.toString()).out()).isEqualTo(r.out());
    }

    @Test
    void badRangesAndKeysAreNamed() throws Exception {
        assertBad("[proxy_protocol]\ntrusted = [\"10/8\"]\n",
                "proxy_protocol.trusted: '10/8' is not an IP address or CIDR range");
        assertBad("[proxy_protocol]\ntrusted = [\"10.0.0.0/40\"]\n",
                "proxy_protocol.trusted: '10.0.0.0/40' has a prefix length outside 0-32");
        assertBad("[proxy_protocol]\ntrusted = [\"lb.example\"]\n",
                "proxy_protocol.trusted: 'lb.example' is not an IP address or CIDR range");
        assertBad("[proxy_protocol]\ntrusts = [\"10.0.0.0/8\"]\n", "proxy_protocol.trusts: unknown setting");
        assertBad("proxy_protocol = 1\n", "proxy_protocol: '1' must be a table");
    }

    @Test
    void theFlagIsNamedInItsError() {
        CliRun r = run("run", "--listen", "127.0.0.1:0", "--dot-listen", "127.0.0.1:0", "--data-dir",
                tmp.resolve("data").toString(), "--proxy-trusted", "127.0.0.1/32", "--proxy-trusted", "10.0.0.0/99");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--proxy-trusted: '10.0.0.0/99' has a prefix length outside 0-32")
                .doesNotContain("Exception");
    }

    private void assertBad(String toml, String expected) throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.toml"), toml);
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(expected).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
