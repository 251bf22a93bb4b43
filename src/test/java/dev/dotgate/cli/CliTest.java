package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.Ports;
import dev.dotgate.it.Unbound;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, and errors that name the key, the value and the fix. */
class CliTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void checkConfigPrintsEffectiveSettingsWithDefaults() throws Exception {
        Path f = tmp.resolve("ok.toml");
        Files.writeString(f, """
                server_name = "dns.home.arpa"
                [listen]
                plain = ["127.0.0.1:5353", "[::1]:5353"]
                [upstream]
                servers = ["tls://127.0.0.1:853#dns.example", "udp://127.0.0.1:5300"]
                timeout = "2500ms"
                """);
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("server_name = \"dns.home.arpa\"")
                .contains("plain = [\"127.0.0.1:5353\", \"[::1]:5353\"]")
                .contains("dot = [\"127.0.0.1:853\"]")
                .contains("servers = [\"tls://127.0.0.1:853#dns.example\", \"udp://127.0.0.1:5300\"]")
                .contains("timeout = \"2500ms\"")
                .contains("idle_timeout = \"8s\"")
                .contains("handshake_timeout = \"10s\"");
        // What it prints is itself a valid config that gives the same settings.
        Path again = tmp.resolve("again.toml");
        Files.writeString(again, r.out());
        assertThat(run("check-config", again.toString()).out()).isEqualTo(r.out());
    }

    @Test
    void checkConfigRoundTripsPolicyCacheAndObservability() throws Exception {
        Path allow = Files.writeString(tmp.resolve("allow.txt"), "*.example.com\n");
        Path block = Files.writeString(tmp.resolve("block.txt"), "ads.example\n");
        Path f = tmp.resolve("full.toml");
        Files.writeString(f, """
                [policy]
                allowlist = "%s"
                blocklists = ["%s", "https://lists.example/hosts.txt"]
                block_mode = "null"
                block_ttl = "30s"
                local = ["nas.home.arpa A 192.168.1.10", "home.arpa TXT \\"a b\\""]
                [[forward]]
                zone = "corp.example"
                servers = ["tls://10.0.0.1#dns.corp.example"]
                [acl.dot]
                allow = ["192.168.0.0/16", "::1"]
                deny = ["192.168.66.0/24"]
                [cache]
                max_entries = 5000
                stale_window = "2d"
                prefetch = false
                [events]
                sink = "stdout"
                [metrics]
                listen = "127.0.0.1:9153"
                """.formatted(allow, block));
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("block_mode = \"null\"").contains("zone = \"corp.example\"")
                .contains("deny = [\"192.168.66.0/24\"]").contains("max_entries = 5000")
                .contains("stale_window = \"2d\"").contains("prefetch = false").contains("sink = \"stdout\"")
                .contains("listen = \"127.0.0.1:9153\"").contains("home.arpa TXT \\\"a b\\\"");
        Path again = tmp.resolve("full-again.toml");
        Files.writeString(again, r.out());
        assertThat(run("check-config", again.toString()).out()).isEqualTo(r.out());
    }

    @Test
    void checkConfigNamesTheBadKeyAndValue() throws Exception {
        assertBad("[listen]\nbogus = 1\n", "listen.bogus: unknown setting");
        assertBad("[upstream]\ntimeout = \"3x\"\n", "upstream.timeout: '3x' is not a duration");
        assertBad("[upstream]\nservers = [\"doq://1.2.3.4\"]\n", "upstream.servers: 'doq://1.2.3.4' has unknown scheme 'doq'");
        assertBad("[upstream]\nservers = [\"udp://dns.google\"]\n", "upstream.servers: 'udp://dns.google' has host name 'dns.google': udp:// upstreams take an IP address");
        assertBad("[upstream]\nservers = [{ url = \"tls://dns.google\", pool_size = 99 }]\n", "upstream.servers[0].url: 'tls://dns.google' has pool_size 99, outside 1-64");
        assertBad("[upstream]\nservers = [{ url = \"tls://dns.google\", pins = [] }]\n", "upstream.servers[0].pins: unknown setting (known here: url, pin_sha256, pool_size, timeout, ecs, method, 0x20)");
        assertBad("[upstream]\nstrategy = \"quickest\"\n", "upstream.strategy: 'quickest' is not a strategy (use fastest, round_robin, ordered or random)");
        assertBad("[upstream]\nbootstrap = [\"tls://9.9.9.9\"]\n", "upstream.bootstrap: 'tls://9.9.9.9:853' is not a bootstrap resolver: use udp://IP[:PORT]");
        assertBad("[listen]\nplain = [\"127.0.0.1:99999\"]\n", "listen.plain: '127.0.0.1:99999' has port 99999, outside 0-65535");
        assertBad("[upstream]\npool_size = 0\n", "upstream.pool_size: '0' is outside 1-64");
        assertBad("log_level = \"loud\"\n", "log_level: 'loud' is not a log level");
        assertBad("[listen\n", "not valid TOML");
        assertBad("[policy]\nblock_mode = \"drop\"\n", "policy.block_mode: 'drop' is not a block mode");
        assertBad("[policy]\nblocklists = [\"/no/such/list\"]\n", "policy.blocklists: '/no/such/list' is not a readable file");
        assertBad("[policy]\nblocklists = [\"ftp://x/y\"]\n", "policy.blocklists: 'ftp://x/y' must be a file path or an http");
        assertBad("[policy]\nlocal = [\"mail.lan MX 10 mx.lan\"]\n", "policy.local[0] 'mail.lan MX 10 mx.lan': type MX is not supported");
        assertBad("[policy]\nlocal = [\"nas.lan A 300.1.1.1\"]\n", "policy.local[0] 'nas.lan A 300.1.1.1'");
        assertBad("[acl.plain]\nallow = [\"10.0.0.0/33\"]\n", "acl.plain.allow: '10.0.0.0/33' has a prefix length outside 0-32");
        assertBad("[acl.dot]\ndeny = [\"example.com\"]\n", "acl.dot.deny: 'example.com' is not an IP address or CIDR range");
        assertBad("[[forward]]\nzone = \"corp.example\"\n", "forward[0].servers: missing");
        assertBad("[[forward]]\nzone = \"bad zone\"\nservers = [\"udp://10.0.0.1\"]\n", "forward[0].zone: 'bad zone' is not a domain name");
        assertBad("[cache]\nmax_entries = 0\n", "cache.max_entries: '0' is outside 1-100000000");
        assertBad("[cache]\nenabled = \"yes\"\n", "cache.enabled: 'yes' must be true or false");
        assertBad("[cache]\nmin_ttl = \"2h\"\nmax_ttl = \"1h\"\n", "cache.min_ttl: '2h' is longer than cache.max_ttl");
        assertBad("[metrics]\nlisten = \"localhost:9153\"\n", "metrics.listen: 'localhost:9153'");
        assertBad("[events]\nsinc = \"stdout\"\n", "events.sinc: unknown setting");
        assertBad("[cache]\nstale_window = \"30000d\"\n", "cache.stale_window: '30000d' is longer than a year");
        assertBad("[cache]\nmax_ttl = \"500ms\"\n", "cache.max_ttl: '500ms' must be whole seconds");
        assertBad("[acl]\nplain = 1\n", "acl.plain: '1' must be a table");
        assertBad("[acl.plain]\nallow = [\"10/8\"]\n", "acl.plain.allow: '10/8' is not an IP address or CIDR range");
    }

    private void assertBad(String toml, String expected) throws Exception {
        Path f = tmp.resolve("bad.toml");
        Files.writeString(f, toml);
        CliRun r = run("check-config", f.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(expected).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anAddressInUseStopsTheStartWithOneClearLine() throws Exception {
        int port = Ports.free();
        try (DatagramSocket taken = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            CliRun r = run("run", "--allow-root", "--listen", "127.0.0.1:" + port, "--dot-listen", "127.0.0.1:0",
                    "--data-dir", tmp.toString(), "--upstream", "udp://127.0.0.1:53");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("dotgate: cannot listen on udp 127.0.0.1:" + port
                    + ": the address is already in use; stop the other server on that port or choose another "
                    + "address with --listen/--dot-listen/--doh-listen (or listen.plain / listen.dot / listen.doh in the config)");
        }
    }

    @Test
    void versionPrintsTheVersion() {
        CliRun r = run("version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("dotgate 0.").contains("TLS:");
    }

    @Test
    void sigtermStopsGracefullyWithExitZero() throws Exception {
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"))) {
            int port = Ports.free();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "run", "--allow-root", "--listen", "127.0.0.1:" + port,
                    "--dot-listen", "127.0.0.1:0", "--data-dir", tmp.resolve("data").toString(),
                    "--upstream", unbound.uri(), "--upstream-ca", unbound.caFile().toString(),
                    "--dnssec", "process")) // unsigned test zones
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile()).start();
            try {
                Ports.awaitListening(port, 20_000);
                dev.dotgate.it.Proc.Result dig = dev.dotgate.it.Proc.run(10, "dig", "@127.0.0.1", "-p", "" + port,
                        "a.test", "+short");
                assertThat(dig.out().strip()).isEqualTo("192.0.2.1");
                p.destroy(); // SIGTERM
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
                String log = Files.readString(tmp.resolve("run.log"));
                assertThat(p.exitValue()).as(log).isZero();
                assertThat(log).contains("dotgate stopped: ").contains("answered=1");
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly(); // a failed assertion must not leave the gateway running after the test
                }
            }
        }
    }

    @Test
    void sighupReloadsTheConfigAndABadOneIsReportedAndIgnored() throws Exception {
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"))) {
            int port = Ports.free();
            Path config = Files.writeString(tmp.resolve("dotgate.toml"), "");
            Path list = Files.writeString(tmp.resolve("block.txt"), "bench.test\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "run", "--allow-root", "--config", config.toString(),
                    "--listen", "127.0.0.1:" + port, "--dot-listen", "127.0.0.1:0",
                    "--data-dir", tmp.resolve("data").toString(), "--upstream", unbound.uri(),
                    "--upstream-ca", unbound.caFile().toString(), "--dnssec", "process"))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile()).start();
            try {
                Ports.awaitListening(port, 20_000);
                assertThat(dig(port, "x.bench.test")).isEqualTo("192.0.2.2");
                Files.writeString(config, "[policy]\nblocklists = [\"" + list + "\"]\nblock_mode = \"null\"\n");
                hup(p);
                assertThat(awaitDig(port, "y.bench.test", "0.0.0.0")).as("after SIGHUP; the gateway's log:\n%s",
                        Files.readString(tmp.resolve("run.log"))).isEqualTo("0.0.0.0");
                Files.writeString(config, "[policy]\nlocal = [\"mail.lan MX 10 mx.lan\"]\n");
                hup(p);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(tmp.resolve("run.log")).contains("reload failed")
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(Files.readString(tmp.resolve("run.log"))).contains("reload failed, keeping the running "
                        + "configuration: policy.local[0] 'mail.lan MX 10 mx.lan': type MX is not supported");
                assertThat(dig(port, "z.bench.test")).isEqualTo("0.0.0.0");
                assertThat(dig(port, "x.bench.test")).isEqualTo("0.0.0.0");
            } finally {
                p.destroy();
                p.waitFor(15, TimeUnit.SECONDS);
            }
            String log = Files.readString(tmp.resolve("run.log"));
            assertThat(log).doesNotContain("\tat ").contains("dotgate stopped: ").contains("cacheHits=");
        }
    }

    private static void hup(Process p) {
        assertThat(dev.dotgate.it.Proc.run(5, "kill", "-HUP", String.valueOf(p.pid())).exit()).isZero();
    }

    private static String dig(int port, String name) {
        return dev.dotgate.it.Proc.run(10, "dig", "@127.0.0.1", "-p", "" + port, name, "+short").out().strip();
    }

    private static String awaitDig(int port, String name, String want) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String got = dig(port, name);
        while (!got.equals(want) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            got = dig(port, name);
        }
        return got;
    }
}
