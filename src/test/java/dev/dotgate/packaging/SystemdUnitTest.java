package dev.dotgate.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dotgate.it.Proc;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packaging/systemd/dotgate.service}: systemd accepts every line of it, {@code systemd-analyze security}
 * rates it 2.5 or better, and it has the settings the gateway needs and none that the JVM cannot run under. The
 * first two need systemd-analyze (Debian package systemd; systemd need not run) and are skipped without it.
 */
class SystemdUnitTest {
    static final Path UNIT = Path.of("packaging/systemd/dotgate.service");
    static final String INSTALLED_LAUNCHER = "/opt/dotgate/dotgate";
    static final double MAX_EXPOSURE = 2.5;

    @TempDir
    Path dir;

    @Test
    void systemdAnalyzeVerifyHasNothingToSay() throws IOException {
        assumeSystemdAnalyze();
        Path copy = verifiableCopy();
        Proc.Result r = Proc.run(60, "systemd-analyze", "verify", copy.toString());
        // verify exits 0 after an unknown key or a bad value ("ignoring"): its output is what tells
        assertThat(r.out()).as("systemd-analyze verify %s said:%n%s", copy, r.out()).isBlank();
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void overallExposureIsAtMostTwoAndAHalf() {
        assumeSystemdAnalyze();
        Proc.Result r = Proc.run(60, "systemd-analyze", "security", "--offline=true", UNIT.toString());
        assertThat(r.exit()).as(r.out()).isZero();
        Matcher m = Pattern.compile("Overall exposure level for \\S+: (\\d+(?:\\.\\d+)?)").matcher(r.out());
        assertThat(m.find()).as("an overall exposure level in:%n%s", r.out()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as("overall exposure; systemd-analyze said:%n%s", r.out())
                .isLessThanOrEqualTo(MAX_EXPOSURE);
    }

    @Test
    void hasTheSettingsTheGatewayNeeds() throws IOException {
        Map<String, List<String>> s = serviceSection(Files.readString(UNIT));

        assertThat(one(s, "Type")).isEqualTo("notify");
        assertThat(s.getOrDefault("NotifyAccess", List.of("main"))).as("NotifyAccess (main is the default)")
                .containsOnly("main");
        String start = one(s, "ExecStart");
        assertThat(start).startsWith(INSTALLED_LAUNCHER + " run ").contains(" --config /etc/dotgate/dotgate.toml");
        assertThat(start).containsAnyOf(" --data-dir /var/lib/dotgate", " --data-dir ${STATE_DIRECTORY}");
        assertThat(one(s, "ExecReload")).isEqualTo("/bin/kill -HUP $MAINPID");
        assertThat(environment(s)).containsEntry("DOTGATE_JAR", "/opt/dotgate/dotgate.jar");
        assertThat(one(s, "Restart")).isEqualTo("on-failure");
        assertThat(seconds(one(s, "TimeoutStopSec"))).as("TimeoutStopSec, above dotgate's 3 s grace")
                .isGreaterThan(3);

        assertThat(bool(one(s, "DynamicUser"))).as("DynamicUser").isTrue();
        assertThat(one(s, "StateDirectory")).isEqualTo("dotgate");
        assertThat(one(s, "ConfigurationDirectory")).isEqualTo("dotgate");
        assertThat(words(one(s, "AmbientCapabilities"))).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(words(one(s, "CapabilityBoundingSet"))).containsExactly("CAP_NET_BIND_SERVICE");

        assertThat(one(s, "ProtectSystem")).isEqualTo("strict");
        for (String key : List.of("ProtectHome", "PrivateTmp", "PrivateDevices", "NoNewPrivileges",
                "LockPersonality")) {
            assertThat(bool(one(s, key))).as(key).isTrue();
        }
        assertThat(words(one(s, "RestrictAddressFamilies"))).as("RestrictAddressFamilies")
                .containsExactlyInAnyOrder("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK");
        assertThat(s.get("SystemCallFilter")).as("SystemCallFilter").isNotNull().contains("@system-service");

        // What the JVM or a privileged-port server cannot run under (see the comments in the unit)
        assertThat(s.getOrDefault("MemoryDenyWriteExecute", List.of()))
                .as("MemoryDenyWriteExecute: the JIT needs writable+executable memory")
                .noneMatch(SystemdUnitTest::bool);
        assertThat(s.getOrDefault("PrivateUsers", List.of()))
                .as("PrivateUsers: no CAP_NET_BIND_SERVICE in the host's network namespace")
                .noneMatch(SystemdUnitTest::bool);
        assertThat(s.getOrDefault("ProcSubset", List.of()))
                .as("ProcSubset=pid hides /proc/cgroups (the JVM's container support) and /proc/net/if_inet6")
                .doesNotContain("pid");
    }

    /**
     * The unit with ExecStart naming this repository's launcher: {@code systemd-analyze verify} fails a command
     * that does not exist, and /opt/dotgate is not installed where the tests run. Every other line is kept.
     * /bin/kill (Debian package procps, on every standard install) is replaced the same way only where it is
     * missing, as in minimal container images.
     */
    private Path verifiableCopy() throws IOException {
        String launcher = Path.of("dotgate").toAbsolutePath().toString();
        assertThat(Path.of(launcher)).as("the repository's launcher").isExecutable();
        List<String> lines = new ArrayList<>();
        boolean rewritten = false;
        for (String line : Files.readAllLines(UNIT)) {
            if (line.startsWith("ExecStart=" + INSTALLED_LAUNCHER + " ")) {
                line = "ExecStart=" + launcher + line.substring(("ExecStart=" + INSTALLED_LAUNCHER).length());
                rewritten = true;
            } else if (line.startsWith("ExecReload=/bin/kill ") && !Files.isExecutable(Path.of("/bin/kill"))) {
                line = "ExecReload=" + launcher + line.substring("ExecReload=/bin/kill".length());
            }
            lines.add(line);
        }
        assertThat(rewritten).as("ExecStart runs " + INSTALLED_LAUNCHER).isTrue();
        Path copy = dir.resolve("dotgate.service"); // verify takes the unit's name from the file's
        Files.write(copy, lines);
        return copy;
    }

    /** The [Service] section's assignments, by key, in order (a key may be given more than once). */
    static Map<String, List<String>> serviceSection(String unit) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String section = null;
        String joined = unit.replaceAll("\\\\\\r?\\n", " "); // a trailing backslash continues the line
        for (String raw : joined.split("\\r?\\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line;
                continue;
            }
            int eq = line.indexOf('=');
            if ("[Service]".equals(section) && eq > 0) {
                out.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                        .add(line.substring(eq + 1).strip());
            }
        }
        return out;
    }

    private static String one(Map<String, List<String>> s, String key) {
        List<String> values = s.get(key);
        if (values == null) {
            fail("[Service] has no " + key + "=");
        }
        assertThat(values).as(key + "= given once").hasSize(1);
        return values.get(0);
    }

    private static Map<String, String> environment(Map<String, List<String>> s) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String value : s.getOrDefault("Environment", List.of())) {
            // Environment=A=1 "B=two words": quoted assignments keep their spaces
            Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(value);
            while (m.find()) {
                String a = m.group(1) != null ? m.group(1) : m.group(2);
                int eq = a.indexOf('=');
                if (eq > 0) {
                    env.put(a.substring(0, eq), a.substring(eq + 1));
                }
            }
        }
        return env;
    }

    private static List<String> words(String value) {
        return Arrays.stream(value.split("\\s+")).filter(w -> !w.isEmpty()).collect(Collectors.toList());
    }

    /** systemd's boolean spellings. */
    static boolean bool(String value) {
        return List.of("yes", "true", "on", "1").contains(value.strip().toLowerCase(Locale.ROOT));
    }

    /** A systemd time span without a unit is seconds: "10", "10s", "1min 30s", "500ms". */
    static double seconds(String span) {
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|min|m|h)?").matcher(span.strip());
        double total = 0;
        int end = 0;
        while (m.find()) {
            assertThat(span.strip().substring(end, m.start()).isBlank()).as("time span " + span).isTrue();
            double n = Double.parseDouble(m.group(1));
            String u = m.group(2) == null ? "s" : m.group(2);
            total += switch (u) {
                case "ms" -> n / 1000;
                case "min", "m" -> n * 60;
                case "h" -> n * 3600;
                default -> n;
            };
            end = m.end();
        }
        assertThat(end).as("time span " + span).isEqualTo(span.strip().length());
        return total;
    }

    private static void assumeSystemdAnalyze() {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "systemd-analyze")));
        assumeTrue(found, "systemd-analyze is not installed (Debian package systemd)");
    }
}
