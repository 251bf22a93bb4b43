package dev.dotgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader on its own: defaults as declared, flags as overrides that name themselves, paths, syntax errors. */
class ConfigLoaderTest {
    @TempDir
    Path tmp;

    private ConfigLoader.Overrides data() {
        return ConfigLoader.Overrides.none().set("data_dir", tmp.resolve("data"));
    }

    private GatewayConfig load(String toml, ConfigLoader.Overrides flags) throws Exception {
        Path f = Files.writeString(tmp.resolve("dotgate.toml"), toml);
        return ConfigLoader.load(f, flags);
    }

    @Test
    void defaultsAreTheDeclaredOnes() {
        GatewayConfig d = ConfigLoader.defaults();
        assertThat(d.listen().plain()).hasToString("[/127.0.0.1:53]");
        assertThat(d.listen().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.upstream().servers()).hasToString("[tls://1.1.1.1:853#cloudflare-dns.com, "
                + "tls://9.9.9.9:853#dns.quad9.net]");
        assertThat(d.cache().maxEntries()).isEqualTo(100_000);
        assertThat(d.cache().staleTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.cache().prefetchThreshold()).isEqualTo(0.1);
        assertThat(d.policy().listsStart()).isEqualTo("fast");
        assertThat(d.policy().plainAllow()).hasSize(9).startsWith("127.0.0.0/8");
        // the values LimitsOptions.defaults() had before they were declared on its components
        assertThat(LimitsOptions.defaults()).isEqualTo(new LimitsOptions(32, 64, LimitsOptions.LOOPBACK, 64, 256,
                500, 1000, 4096, 16384, Duration.ofSeconds(5), 256L << 20, 1232, 1232, 20, 2));
    }

    @Test
    void anErrorNamesTheFlagWhenAFlagGaveTheValueAndTheKeyWhenTheFileDid() throws Exception {
        assertThatThrownBy(() -> load("", data().set("upstream.timeout", "3x")))
                .hasMessageStartingWith("--upstream-timeout: '3x' is not a duration");
        assertThatThrownBy(() -> load("[upstream]\ntimeout = \"3x\"\n", data()))
                .hasMessageStartingWith("upstream.timeout: '3x' is not a duration");
        assertThatThrownBy(() -> load("", data().set("log_level", "loud")))
                .hasMessageStartingWith("--log-level: 'loud' is not a log level");
        assertThatThrownBy(() -> load("", data().set("server_name", "bad name")))
                .hasMessageStartingWith("--server-name: 'bad name' is not a valid host name");
        assertThatThrownBy(() -> load("", data().set("upstream.servers", List.of("doq://1.2.3.4"))))
                .hasMessageStartingWith("--upstream: 'doq://1.2.3.4' has unknown scheme");
    }

    @Test
    void dnssecSettingsAreCheckedAndNamed() throws Exception {
        GatewayConfig d = load("", data());
        assertThat(d.dnssec().mode()).isEqualTo("validate");
        assertThat(d.dnssec().clockSkew()).isEqualTo(Duration.ofHours(1));
        assertThat(d.dnssec().nsec3MaxIterations()).isEqualTo(150);
        assertThat(d.dnssec().trustAnchors()).isEmpty();
        assertThat(load("[dnssec]\nmode = \"Process\"\nnegative_trust_anchors = [\"Corp.Example.\"]\n", data())
                .dnssec()).satisfies(o -> {
                    assertThat(o.mode()).isEqualTo("process");
                    assertThat(o.negativeTrustAnchors()).containsExactly("corp.example");
                });
        assertThatThrownBy(() -> load("[dnssec]\nmode = \"strict\"\n", data()))
                .hasMessageStartingWith("dnssec.mode: 'strict' is not a mode (use validate, process or off)");
        assertThatThrownBy(() -> load("", data().set("dnssec.mode", "strict")))
                .hasMessageStartingWith("--dnssec: 'strict' is not a mode");
        assertThatThrownBy(() -> load("[dnssec]\nnegative_trust_anchors = [\"bad name!\"]\n", data()))
                .hasMessageStartingWith("dnssec.negative_trust_anchors: 'bad name!' is not a domain name");
        assertThatThrownBy(() -> load("[dnssec]\ntrust_anchors = [\"/no/such/anchors.key\"]\n", data()))
                .hasMessageStartingWith("dnssec.trust_anchors: ").hasMessageContaining("/no/such/anchors.key");
        assertThatThrownBy(() -> load("[dnssec]\nnsec3_max_iterations = 5000\n", data()))
                .hasMessageStartingWith("dnssec.nsec3_max_iterations: ");
    }

    @Test
    void aFlagOverridesTheFileKey() throws Exception {
        GatewayConfig c = load("[upstream]\ntimeout = \"1s\"\n", data().set("upstream.timeout", "2s")
                .set("cache.enabled", false));
        assertThat(c.upstream().timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.cache().enabled()).isFalse();
    }

    @Test
    void aPortAloneAsksForAddressAndPortWithAnExample() {
        assertThatThrownBy(() -> ConfigLoader.load(null, data().set("listen.plain", List.of("5653"))))
                .hasMessage("--listen: '5653' is a port without an address: write ADDRESS:PORT, e.g. "
                        + "127.0.0.1:5653 (or 0.0.0.0:5653 for every IPv4 address, [::]:5653 for every IPv6 one)");
        assertThatThrownBy(() -> ConfigLoader.load(null, data().set("listen.dot", List.of("127.0.0.1"))))
                .hasMessage("--dot-listen: '127.0.0.1' needs a port: write ADDRESS:PORT, e.g. 127.0.0.1:53");
    }

    @Test
    void twoOfItsOwnListenersOnOneAddressAreNamedAsSuch() {
        assertThatThrownBy(() -> ConfigLoader.load(null, data().set("listen.plain", List.of("127.0.0.1:5653"))
                .set("listen.dot", List.of("127.0.0.1:5653"))))
                .hasMessage("--dot-listen: '127.0.0.1:5653' collides with 127.0.0.1:5653 of --listen: two of "
                        + "dotgate's own listeners cannot share an address and port (TCP); give each its own port");
        assertThatThrownBy(() -> load("[listen]\ndot = [\"127.0.0.1:8853\"]\ndoh = [\"127.0.0.1:8853\"]\n", data()))
                .hasMessageStartingWith("listen.doh: '127.0.0.1:8853' collides with 127.0.0.1:8853 of listen.dot");
    }

    @Test
    void tomlSyntaxErrorsGiveLineAndColumn() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.toml"), "[listen]\nplain = [\"127.0.0.1:53\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, data()))
                .hasMessageStartingWith(f + ": not valid TOML (line ")
                .hasMessageMatching(".*\\(line \\d+, column \\d+\\): .*");
    }

    @Test
    void relativePathsInTheFileResolveAgainstItsDirectoryAndErrorsShowTheFullPath() throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("allow.txt"), "example.com\n");
        Files.writeString(etc.resolve("block.txt"), "ads.example\n");
        Path f = Files.writeString(etc.resolve("dotgate.toml"), """
                [policy]
                allowlist = "allow.txt"
                blocklists = ["block.txt", "https://lists.example/hosts"]
                [events]
                sink = "events.jsonl"
                """);
        GatewayConfig c = ConfigLoader.load(f, data());
        assertThat(c.policy().allowlist()).isEqualTo(etc.resolve("allow.txt"));
        assertThat(c.policy().blocklists()).containsExactly(etc.resolve("block.txt").toString(),
                "https://lists.example/hosts");
        assertThat(c.observe().events()).isEqualTo(etc.resolve("events.jsonl").toString());
        Files.writeString(f, "[policy]\nallowlist = \"lists/missing.txt\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, data()))
                .hasMessage("policy.allowlist: '" + etc.resolve("lists/missing.txt") + "' is not a readable file");
    }

    @Test
    void anEventsFileInAMissingDirectoryIsAConfigError() {
        assertThatThrownBy(() -> ConfigLoader.load(null, data().set("events.sink", tmp.resolve("no/such/dir/events.jsonl").toString())))
                .hasMessage("--events: '" + tmp.resolve("no/such/dir/events.jsonl") + "' is in a directory that "
                        + "does not exist (" + tmp.resolve("no/such/dir") + "): create it (mkdir -p "
                        + tmp.resolve("no/such/dir") + ") or name a file in another one");
    }

    @Test
    void aListPathThatIsADirectoryIsNamedAsOne() throws Exception {
        Files.createDirectories(tmp.resolve("lists"));
        assertThatThrownBy(() -> load("[policy]\nblocklists = [\"lists\"]\n", data()))
                .hasMessage("policy.blocklists: '" + tmp.resolve("lists") + "' is a directory, not a file");
    }

    @Test
    void aDataDirectoryThatCannotBeCreatedSaysWhichPathWhyAndTheFix() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "");
        Path dir = file.resolve("dotgate");
        assertThatThrownBy(() -> ConfigLoader.load(null, ConfigLoader.Overrides.none().set("data_dir", dir)))
                .hasMessage("--data-dir: '" + dir + "' cannot be created: " + file + " is a file, not a directory; "
                        + "set data_dir (--data-dir) to a directory you can write");
        assertThatThrownBy(() -> load("data_dir = \"" + dir + "\"\n", ConfigLoader.Overrides.none()))
                .hasMessage("data_dir: '" + dir + "' cannot be created: " + file + " is a file, not a directory; "
                        + "set data_dir (--data-dir) to a directory you can write");
    }

    @Test
    void whatCheckConfigPrintsReadsBackToTheSameSettings() throws Exception {
        GatewayConfig c = load("""
                server_name = "dns.home.arpa"
                [listen]
                doh = ["127.0.0.1:8443"]
                [[forward]]
                zone = "Corp.Example."
                servers = ["udp://10.0.0.1?0x20=off"]
                [limits]
                query_rate = 0
                """, data());
        assertThat(c.forwards()).hasSize(1);
        assertThat(c.forwards().get(0).zone()).isEqualTo("corp.example");
        Path again = Files.writeString(tmp.resolve("again.toml"), c.toToml());
        assertThat(ConfigLoader.load(again, ConfigLoader.Overrides.none())).isEqualTo(c);
        assertThat(Settings.changed(c, ConfigLoader.load(again, ConfigLoader.Overrides.none()), false)).isEmpty();
    }

    @Test
    void changedKeysAreListedInConfigNames() throws Exception {
        GatewayConfig a = load("", data());
        GatewayConfig b = load("[listen]\nidle_timeout = \"5s\"\n[upstream]\ntimeout = \"1s\"\n[limits]\nrrl_rate = 0\n",
                data());
        assertThat(Settings.changed(a, b, false)).containsExactly("listen.idle_timeout", "upstream.timeout",
                "limits.rrl_rate");
        assertThat(Settings.changed(a, b, true)).containsExactly("listen.idle_timeout", "limits.rrl_rate");
    }

    @Test
    void anUnknownKeyInAForwardTableIsNamed() {
        assertThatThrownBy(() -> load("[[forward]]\nzone = \"a.example\"\nserver = [\"udp://10.0.0.1\"]\n", data()))
                .hasMessage("forward[0].server: unknown setting (known here: servers, zone)");
    }

    @Test
    void upstreamsMayBeInlineTablesInUpstreamServersAndForwardZones() throws Exception {
        String pin = "n3OZr9O8V6LYSjUvQzpyMa8QYvWj3nlWbN0BFYJVhO0=";
        GatewayConfig c = load("""
                [upstream]
                servers = [
                  "tls://dns.quad9.net",
                  { url = "https://dns.google/dns-query", method = "GET", pool_size = 4, timeout = "2s", ecs = true },
                ]
                bootstrap = ["udp://9.9.9.9", "udp://[2620:fe::fe]:53"]
                strategy = "ordered"
                hedging = false
                [[forward]]
                zone = "corp.example"
                servers = [{ url = "quic://10.0.0.53#dns.corp.example", pin_sha256 = ["%s"] }]
                """.formatted(pin), data());
        UpstreamSpec google = c.upstream().servers().get(1);
        assertThat(google.get()).isTrue();
        assertThat(google.poolSize()).isEqualTo(4);
        assertThat(google.timeout()).hasSeconds(2);
        assertThat(google.forwardEcs()).isTrue();
        assertThat(c.upstream().bootstrap()).extracting(UpstreamSpec::toString)
                .containsExactly("udp://9.9.9.9:53", "udp://[2620:fe::fe]:53");
        assertThat(c.upstream().strategy()).isEqualTo("ordered");
        assertThat(c.upstream().hedging()).isFalse();
        UpstreamSpec corp = c.forwards().get(0).servers().get(0);
        assertThat(corp.protocol()).isEqualTo(UpstreamSpec.Protocol.QUIC);
        assertThat(corp.authName()).isEqualTo("dns.corp.example");
        assertThat(corp.pins()).containsExactly(pin);
        // check-config's output reads back to the same upstreams.
        GatewayConfig again = load(TomlWriter.write(c), data());
        assertThat(again.upstream().servers()).isEqualTo(c.upstream().servers());
        assertThat(again.forwards()).isEqualTo(c.forwards());
    }
}
