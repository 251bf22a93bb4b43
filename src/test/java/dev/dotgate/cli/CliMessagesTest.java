package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a new user meets it: help on every command, exit 2 for every configuration error, and
 * messages that name the flag or the key, the full path, and the fix.
 */
class CliMessagesTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void everyCommandAnswersHelpWithItsUsageAndExitZero() {
        for (String cmd : List.of("run", "check-config", "setup-phone", "version")) {
            for (List<String> args : List.of(List.of(cmd, "--help"), List.of(cmd, "-h"), List.of("help", cmd))) {
                CliRun r = run(args.toArray(String[]::new));
                assertThat(r.exit()).as(args + ": " + r.err()).isZero();
                assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: dotgate " + cmd)
                        .contains("-h, --help");
                assertThat(r.err()).isEmpty();
            }
        }
        CliRun top = run("--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("DNS-over-HTTPS").contains("help");
    }

    @Test
    void runsUsageIsGeneratedFromTheSettingsWithKeysAndDefaults() {
        String usage = run("run", "--help").out().replaceAll("\\s+", " ");
        assertThat(usage).contains("--upstream-timeout=DURATION")
                .contains("(upstream.timeout, default 3s)")
                .contains("repeatable (listen.plain, default [")
                .contains("lines (@@ in front makes one an exception)").doesNotContain("@block")
                .contains("--no-cache").contains("--proxy-trusted=CIDR");
        assertThat(usage).as("--cert and --key serve DoH too").contains("--cert=FILE PEM certificate chain for DoT "
                + "and DoH").contains("--key=FILE the unencrypted PEM private key of listen.cert for DoT and DoH");
        String phone = run("setup-phone", "--help").out().replaceAll("\\s+", " ");
        assertThat(phone).contains("--dot-listen=ADDRESS:PORT").contains("--data-dir=DIR")
                .doesNotContain("--upstream");
    }

    @Test
    void aPortAloneAndTwoOwnListenersOnOnePortSayWhatToWrite() {
        CliRun r = run("run", "--listen", "5653");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("dotgate: --listen: '5653' is a port without an address: write "
                + "ADDRESS:PORT, e.g. 127.0.0.1:5653 (or 0.0.0.0:5653 for every IPv4 address, [::]:5653 for every "
                + "IPv6 one)");
        r = run("run", "--listen", "127.0.0.1:5653", "--dot-listen", "127.0.0.1:5653", "--data-dir",
                tmp.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--dot-listen: '127.0.0.1:5653' collides with 127.0.0.1:5653 of --listen: "
                + "two of dotgate's own listeners cannot share an address and port").doesNotContain("other server");
    }

    @Test
    void anErrorNamesTheFlagThatGaveTheValue() throws Exception {
        CliRun r = run("run", "--upstream-timeout", "soon", "--data-dir", tmp.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("dotgate: --upstream-timeout: 'soon' is not a duration");
        Path f = Files.writeString(tmp.resolve("d.toml"), "[upstream]\ntimeout = \"soon\"\n");
        r = run("run", "--config", f.toString(), "--data-dir", tmp.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("dotgate: upstream.timeout: 'soon' is not a duration");
    }

    @Test
    void tomlSyntaxErrorsGiveLineAndColumn() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.toml"), "log_level = \"info\"\n[listen\n");
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("dotgate: " + f + ": not valid TOML (line 2, column ");
    }

    @Test
    void relativePathsResolveAgainstTheConfigFilesDirectory() throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("allow.txt"), "*.example.com\n");
        Path f = Files.writeString(etc.resolve("dotgate.toml"), "[policy]\nallowlist = \"allow.txt\"\n"
                + "blocklists = [\"missing.txt\"]\n");
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("policy.blocklists: '" + etc.resolve("missing.txt") + "' is not a readable file");
        Files.writeString(f, "[policy]\nallowlist = \"allow.txt\"\n");
        r = run("check-config", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("allowlist = \"" + etc.resolve("allow.txt") + "\"");
    }

    @Test
    void anEventsFileInAMissingDirectoryExitsTwo() throws Exception {
        Path events = tmp.resolve("log/dotgate/events.jsonl");
        CliRun r = run("run", "--listen", "127.0.0.1:0", "--dot-listen", "127.0.0.1:0", "--data-dir",
                tmp.resolve("data").toString(), "--upstream", "udp://127.0.0.1:9", "--events", events.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("dotgate: --events: '" + events + "' is in a directory that does not "
                + "exist (" + events.getParent() + "): create it (mkdir -p " + events.getParent() + ") or name a "
                + "file in another one");
    }

    @Test
    void aBlocklistPathThatIsADirectoryExitsTwo() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("lists"));
        CliRun r = run("run", "--listen", "127.0.0.1:0", "--dot-listen", "127.0.0.1:0", "--data-dir",
                tmp.resolve("data").toString(), "--upstream", "udp://127.0.0.1:9", "--blocklist", dir.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("dotgate: --blocklist: '" + dir + "' is a directory, not a file");
    }

    @Test
    void aDataDirectoryThatCannotBeCreatedExitsTwoWithPathWhyAndFix() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "");
        Path data = file.resolve("dotgate");
        CliRun r = run("run", "--allow-root", "--listen", "127.0.0.1:0", "--dot-listen", "127.0.0.1:0", "--data-dir",
                data.toString(), "--upstream", "udp://127.0.0.1:9");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("dotgate: --data-dir: '" + data + "' cannot be created: " + file
                + " is a file, not a directory; set data_dir (--data-dir) to a directory you can write");
    }

    @Test
    void theDefaultDataDirectoryFollowsHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path f = Files.writeString(tmp.resolve("empty.toml"), "");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Duser.home=/nonexistent", "-Duser.name=alice", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "check-config", f.toString()))
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.remove("XDG_DATA_HOME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("data_dir = \"" + home.resolve(".local/share/dotgate") + "\"");
    }
}
