package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.dd.plist.NSArray;
import com.dd.plist.NSDictionary;
import com.dd.plist.NSString;
import com.dd.plist.PropertyListParser;
import dev.dotgate.it.Proc;
import dev.dotgate.it.RawHttpClients;
import dev.dotgate.net.SmallHttpServer;
import dev.dotgate.onboard.PrintedQr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dotgate setup-phone} as a user runs it (a child JVM), fetched with curl on loopback. */
class SetupPhoneTest {
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/[A-Za-z0-9_-]{16}/dotgate\\.mobileconfig");

    @TempDir
    Path tmp;

    private Process start(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "setup-phone"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("out.log").toFile()).start();
    }

    /** Waits for the URL line; returns it. */
    private String awaitUrl(Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = URL.matcher(log());
            if (m.find() && log().contains("Ctrl-C stops serving.")) {
                return m.group();
            }
            assertThat(p.isAlive()).as(log()).isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("no URL printed: " + log());
    }

    private String log() throws Exception {
        return Files.readString(tmp.resolve("out.log"), StandardCharsets.UTF_8);
    }

    private record Fetch(int exit, int status, String headers, byte[] body) {
    }

    private Fetch curl(String url) throws Exception {
        Path body = tmp.resolve("body");
        Path headers = tmp.resolve("headers");
        Files.deleteIfExists(body);
        Files.deleteIfExists(headers);
        Proc.Result r = Proc.run(15, "curl", "-sS", "--max-time", "5", "-o", body.toString(), "-D",
                headers.toString(), "-w", "%{http_code}", url);
        int status = r.exit() == 0 ? Integer.parseInt(r.out().strip()) : -1;
        return new Fetch(r.exit(), status, Files.exists(headers) ? Files.readString(headers) : "",
                Files.exists(body) ? Files.readAllBytes(body) : new byte[0]);
    }

    @Test
    void servesTheProfileAtItsSecretPathForTheGivenTimeThenStops() throws Exception {
        Path data = tmp.resolve("data");
        Path config = Files.writeString(tmp.resolve("dotgate.toml"), """
                server_name = "dns.home.arpa"
                data_dir = "%s"
                [listen]
                plain = ["127.0.0.1:5353"]
                dot = ["127.0.0.1:853"]
                """.formatted(data));
        Process p = start("--config", config.toString(), "--listen", "127.0.0.1:0", "--for", "5s");
        try {
            String url = awaitUrl(p);
            long served = System.nanoTime();
            Fetch ok = curl(url);
            assertThat(ok.exit()).isZero();
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.headers()).containsIgnoringCase("Content-Type: application/x-apple-aspen-config");
            assertThat(ok.body()).isEqualTo(Files.readAllBytes(data.resolve("dotgate.mobileconfig")));
            NSDictionary top = (NSDictionary) PropertyListParser.parse(ok.body());
            NSDictionary dns = (NSDictionary) ((NSArray) top.objectForKey("PayloadContent")).getArray()[1];
            NSDictionary settings = (NSDictionary) dns.objectForKey("DNSSettings");
            assertThat(((NSString) settings.objectForKey("ServerName")).getContent()).isEqualTo("dns.home.arpa");
            assertThat(((NSString) ((NSArray) settings.objectForKey("ServerAddresses")).getArray()[0]).getContent())
                    .isEqualTo("127.0.0.1");

            String base = url.substring(0, url.indexOf('/', "http://".length()));
            String token = url.substring(base.length() + 1, base.length() + 17);
            String otherToken = (token.charAt(0) == 'A' ? 'B' : 'A') + token.substring(1);
            for (String wrong : List.of(base + "/", base + "/dotgate.mobileconfig", base + "/" + otherToken
                    + "/dotgate.mobileconfig", base + "/" + token + "/", url + "x")) {
                Fetch f = curl(wrong);
                assertThat(f.status()).as(wrong).isEqualTo(404);
                assertThat(new String(f.body(), StandardCharsets.UTF_8)).doesNotContain("PayloadContent");
            }

            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stops after --for").isTrue();
            long ranMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - served);
            assertThat(ranMs).as("served for about 5 s after the URL appeared").isBetween(3_500L, 8_000L);
            assertThat(p.exitValue()).as(log()).isZero();
            assertThat(curl(url).exit()).as("nothing listens any more: curl cannot connect").isEqualTo(7);

            String out = log();
            PrintedQr.assertShows(out, url);
            assertThat(out).contains("DNS-over-TLS to dns.home.arpa at 127.0.0.1")
                    .contains("Written to " + data.resolve("dotgate.mobileconfig"))
                    .contains("warning: the DoT listener 127.0.0.1:853 is a loopback address")
                    .contains("CA SHA-256 fingerprint (compare it on the device before trusting the CA): "
                            + fingerprint(data.resolve("ca.pem")))
                    .contains("Safari").contains("Settings > Profile Downloaded")
                    .contains("Settings > General > About > Certificate Trust Settings")
                    .contains("Settings > General > VPN & Device Management > DNS")
                    .contains("System Settings > Privacy & Security > Profiles")
                    .contains("served the profile to 127.0.0.1")
                    .contains("stopped serving the profile (1 download)")
                    .doesNotContain("\tat ");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@code curl -s -m 3} from {@code source}: exit code, then "STATUS" on the last line after the body. */
    private Fetch curlFrom(String source, String url, String... extra) throws Exception {
        Path body = tmp.resolve("body");
        Files.deleteIfExists(body);
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-m", "3", "--interface", source, "-o",
                body.toString(), "-w", "%{http_code}"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Proc.Result r = Proc.run(15, cmd.toArray(String[]::new));
        int status = r.exit() == 0 ? Integer.parseInt(r.out().strip()) : -1;
        return new Fetch(r.exit(), status, "", Files.exists(body) ? Files.readAllBytes(body) : new byte[0]);
    }

    @Test
    void halfSentRequestsManyConnectionsAndHugeHeadersDoNotStopTheDownload() throws Exception {
        Process p = start("--data-dir", tmp.resolve("data").toString(), "--server-name", "dns.home.arpa",
                "--dot-listen", "127.0.0.1:853", "--listen", "127.0.0.1:0", "--for", "15s");
        try (RawHttpClients raw = new RawHttpClients()) {
            String url = awaitUrl(p);
            int port = Integer.parseInt(url.substring("http://127.0.0.1:".length(), url.indexOf('/', 7)));
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
            byte[] profile = Files.readAllBytes(tmp.resolve("data").resolve("dotgate.mobileconfig"));

            // 50 clients (10 addresses, 5 each) hold half a request each; the phone is served meanwhile.
            List<RawHttpClients.Client> half = raw.openMany(50, "127.0.1.", 5, server,
                    "GET " + url.substring(url.indexOf('/', 7)) + " HTTP/1.1\r\nHost: x\r\n");
            Fetch ok = curlFrom("127.0.0.1", url);
            assertThat(ok.exit()).as("curl exit code (28 is a timeout)").isZero();
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(profile);
            RawHttpClients.assertOpen(half);

            // One address opens more than its share: the extra are closed at once; another address is served.
            int perAddress = SmallHttpServer.MAX_CONNECTIONS_PER_ADDRESS;
            List<RawHttpClients.Client> held = raw.openMany(perAddress, "127.0.2.", perAddress, server, "");
            List<RawHttpClients.Client> extra = raw.openMany(3, "127.0.2.", 3, server, "");
            for (RawHttpClients.Client c : extra) {
                assertThat(c.closedByServer(1_000)).as("extra connection closed at accept").isTrue();
            }
            RawHttpClients.assertOpen(held);
            assertThat(curlFrom("127.0.0.2", url).status()).isEqualTo(200);

            // An oversized header is 431, and the profile is not in the answer.
            Fetch big = curlFrom("127.0.0.3", url, "-H", "X-Big: " + "a".repeat(SmallHttpServer.MAX_HEADER_SIZE + 1));
            assertThat(big.status()).isEqualTo(431);
            assertThat(new String(big.body(), StandardCharsets.UTF_8)).doesNotContain("PayloadContent");

            // The half-sent requests are closed by the head timeout.
            long timeout = SmallHttpServer.HEAD_TIMEOUT.toMillis();
            long deadline = half.get(0).openedNanos() + (timeout + 2_000) * 1_000_000L;
            for (RawHttpClients.Client c : half) {
                assertThat(c.millisUntilClosed(deadline)).as("closed within the head timeout (+2 s slack)")
                        .isBetween(timeout - 500, timeout + 2_000);
            }
            assertThat(curlFrom("127.0.0.1", url).status()).isEqualTo(200);

            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stops after --for").isTrue();
            assertThat(p.exitValue()).as(log()).isZero();
            assertThat(log()).contains("stopped serving the profile (3 downloads)")
                    .contains("turned away (limits of the profile server): ")
                    .containsPattern("[0-9]+ head_timeout").contains("3 address_limit").contains("1 headers_too_large")
                    .doesNotContain("\tat ");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The fingerprint as openssl computes it. */
    private static String fingerprint(Path pem) {
        Proc.Result r = Proc.run(10, "openssl", "x509", "-in", pem.toString(), "-noout", "-fingerprint", "-sha256");
        assertThat(r.exit()).as(r.out()).isZero();
        return r.out().strip().substring(r.out().indexOf('=') + 1);
    }

    @Test
    void onceStopsAfterTheFirstDownload() throws Exception {
        Process p = start("--data-dir", tmp.resolve("data").toString(), "--server-name", "dns.home.arpa",
                "--dot-listen", "127.0.0.1:853", "--listen", "127.0.0.1:0", "--for", "2m", "--once");
        try {
            String url = awaitUrl(p);
            Fetch head = new Fetch(0, 0, Proc.run(15, "curl", "-sS", "-I", url).out(), null);
            assertThat(head.headers()).as("HEAD is not a download").contains("200");
            assertThat(p.isAlive()).isTrue();
            assertThat(curl(url).status()).isEqualTo(200);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("stops after one download").isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(log()).contains("stopped serving the profile (1 download)");
            assertThat(curl(url).exit()).isEqualTo(7);
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void dohProfileNamesTheUrlWithTheListenersPort() throws Exception {
        Process p = start("--data-dir", tmp.resolve("data").toString(), "--server-name", "dns.home.arpa",
                "--doh", "--doh-listen", "127.0.0.1:8443", "--listen", "127.0.0.1:0", "--once");
        try {
            String url = awaitUrl(p);
            Fetch f = curl(url);
            assertThat(f.status()).isEqualTo(200);
            NSDictionary top = (NSDictionary) PropertyListParser.parse(f.body());
            NSDictionary dns = (NSDictionary) ((NSArray) top.objectForKey("PayloadContent")).getArray()[1];
            NSDictionary settings = (NSDictionary) dns.objectForKey("DNSSettings");
            assertThat(((NSString) settings.objectForKey("DNSProtocol")).getContent()).isEqualTo("HTTPS");
            assertThat(((NSString) settings.objectForKey("ServerURL")).getContent())
                    .isEqualTo("https://dns.home.arpa:8443/dns-query");
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(log()).contains("DNS-over-HTTPS to https://dns.home.arpa:8443/dns-query at 127.0.0.1")
                    .contains("warning: the DoH listener 127.0.0.1:8443 is a loopback address")
                    .doesNotContain("port 853")
                    .contains("DNS-over-HTTPS to the gateway fails without it");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void ctrlCStopsServing() throws Exception {
        Process p = start("--data-dir", tmp.resolve("data").toString(), "--server-name", "dns.home.arpa",
                "--listen", "127.0.0.1:0");
        try {
            String url = awaitUrl(p);
            assertThat(log()).contains("Serving it for 10m at:");
            assertThat(curl(url).status()).isEqualTo(200);
            assertThat(Proc.run(5, "kill", "-INT", String.valueOf(p.pid())).exit()).isZero();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(curl(url).exit()).isEqualTo(7);
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void anAddressInUseIsOneClearLineAndExitTwo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            CliRun r = run("setup-phone", "--data-dir", tmp.resolve("data").toString(), "--listen", "127.0.0.1:" + port);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("dotgate: cannot serve the profile on http 127.0.0.1:" + port
                    + ": the address is already in use; stop the other server on that port or choose another "
                    + "address with --listen HOST:PORT");
        }
    }

    @Test
    void badArgumentsNameTheFlagOrKey() throws Exception {
        String data = tmp.resolve("data").toString();
        CliRun r = run("setup-phone", "--data-dir", data, "--listen", "127.0.0.1:0", "--for", "soon");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--for: 'soon' is not a duration");
        r = run("setup-phone", "--data-dir", data, "--listen", "127.0.0.1:0", "--for", "0s");
        assertThat(r.err()).contains("--for: '0s' must be longer than 0s");
        r = run("setup-phone", "--data-dir", data, "--listen", "127.0.0.1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--listen: '127.0.0.1' needs a port");
        Path config = Files.writeString(tmp.resolve("plain-only.toml"), "[listen]\nplain = [\"127.0.0.1:5353\"]\ndot = []\n");
        r = run("setup-phone", "--config", config.toString(), "--data-dir", data, "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no DNS-over-TLS listener").contains("listen.dot").contains("--doh");
        r = run("setup-phone", "--config", config.toString(), "--data-dir", data, "--listen", "127.0.0.1:0", "--doh");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no DNS-over-HTTPS listener").contains("listen.doh").contains("--doh-listen");
        r = run("setup-phone", "--data-dir", data, "--listen", "127.0.0.1:0", "--doh-listen", "127.0.0.1:8443");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--doh-listen 127.0.0.1:8443: only used with --doh");
        r = run("setup-phone", "--data-dir", data, "--listen", "127.0.0.1:0", "--doh", "--doh-listen", "0.0.0.0:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("dotgate: the DoH listener 0.0.0.0:0 has port 0").doesNotContain("\tat ");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    }
}
