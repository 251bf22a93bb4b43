package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * DNS-over-HTTPS (RFC 8484) with real clients: kdig (GnuTLS, libnghttp2) over POST and GET, curl over HTTP/2 and
 * HTTP/1.1 for the headers and every error status.
 */
class DohTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    static Path tmp;
    static Unbound unbound;
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        gw = servers.gateway(b -> b.toml("[listen]\ndoh = [\"127.0.0.1:0\"]\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    private static String base() {
        return "https://dotgate.test:" + gw.dohPort();
    }

    /** curl with the gateway's CA, the test name mapped to loopback, headers and body kept apart. */
    private static Proc.Result curl(String version, String... args) {
        String[] head = {"curl", "-sS", "--max-time", "10", version, "--cacert", gw.caFile().toString(),
                "--resolve", "dotgate.test:" + gw.dohPort() + ":127.0.0.1", "-D", "-",
                "-w", "\\nversion=%{http_version}\\n"};
        String[] all = new String[head.length + args.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(args, 0, all, head.length, args.length);
        return Proc.run(20, all);
    }

    private static String dnsParam(String name, int type) {
        byte[] wire = DnsClient.query(name, type, 0).toWire();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(wire);
    }

    @Test
    void kdigPostAndGet() {
        for (String method : new String[] {"+https", "+https-get"}) {
            Proc.Result r = Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dohPort()), method,
                    "+tls-ca=" + gw.caFile(), "+tls-hostname=dotgate.test", "a.test", "A");
            assertThat(r.out()).as(method).contains("NOERROR").contains("192.0.2.1")
                    .contains("HTTP session (HTTP/2-" + (method.equals("+https") ? "POST" : "GET"))
                    // kdig pads over TLS by default: the answer is padded to 468 bytes (RFC 8467).
                    .contains("PADDING").contains("Received 468 B");
        }
        // Unpadded query: unpadded answer, and no padding from the upstream hop leaks through.
        Proc.Result plain = Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dohPort()), "+https",
                "+nopadding", "+tls-ca=" + gw.caFile(), "+tls-hostname=dotgate.test", "a.test", "A");
        assertThat(plain.out()).contains("192.0.2.1").doesNotContain("PADDING");
        assertThat(Pattern.compile("Received (\\d+) B").matcher(plain.out()).results()
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElse(0)).isBetween(30, 100);
    }

    @Test
    void curlGetOverHttp2HasTypeAndMaxAge() throws Exception {
        Path body = tmp.resolve("get.bin");
        Proc.Result r = curl("--http2", "-o", body.toString(), base() + "/dns-query?dns=" + dnsParam("a.test", Type.A));
        assertThat(r.out()).contains("version=2").containsPattern("(?i)content-type: application/dns-message");
        Matcher age = Pattern.compile("(?i)cache-control: max-age=(\\d+)").matcher(r.out());
        assertThat(age.find()).as(r.out()).isTrue();
        assertThat(Integer.parseInt(age.group(1))).isBetween(290, 300); // a.test has TTL 300
        Message m = new Message(Files.readAllBytes(body));
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(((ARecord) m.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress())
                .isEqualTo("192.0.2.1");
    }

    @Test
    void curlPostOverBothVersions() throws Exception {
        Path query = Files.write(tmp.resolve("q.bin"), DnsClient.query("nothere.test", Type.A, 0).toWire());
        for (String v : new String[] {"--http2", "--http1.1"}) {
            Path body = tmp.resolve("post" + v + ".bin");
            Proc.Result r = curl(v, "-o", body.toString(), "-H", "Content-Type: application/dns-message",
                    "--data-binary", "@" + query, base() + "/dns-query");
            assertThat(r.out()).as(v).contains(v.equals("--http2") ? "version=2" : "version=1.1")
                    .containsPattern("(?i)cache-control: max-age=(60|59|58)"); // NXDOMAIN: the SOA minimum
            Message m = new Message(Files.readAllBytes(body));
            assertThat(m.getRcode()).as(v).isEqualTo(Rcode.NXDOMAIN);
        }
    }

    @Test
    void errorStatuses() throws Exception {
        Path big = Files.write(tmp.resolve("big.bin"), new byte[70_000]);
        Path q = Files.write(tmp.resolve("q2.bin"), DnsClient.query("a.test", Type.A, 0).toWire());
        for (String v : new String[] {"--http2", "--http1.1"}) {
            assertThat(curl(v, "-o", "/dev/null", "-X", "PUT", "-H", "Content-Type: application/dns-message",
                    "--data-binary", "@" + q, base() + "/dns-query").out()).as(v)
                    .containsPattern("HTTP/[0-9.]+ 405").containsPattern("(?i)allow: GET, POST");
            assertThat(curl(v, "-o", "/dev/null", "-H", "Content-Type: text/plain", "--data-binary", "@" + q,
                    base() + "/dns-query").out()).as(v).containsPattern("HTTP/[0-9.]+ 415");
            assertThat(curl(v, "-o", "/dev/null", "-H", "Content-Type: application/dns-message",
                    "--data-binary", "@" + big, base() + "/dns-query").out()).as(v)
                    .containsPattern("HTTP/[0-9.]+ 413");
            assertThat(curl(v, "-o", "/dev/null", base() + "/dns-query?dns=%21%21not-base64%21").out()).as(v)
                    .containsPattern("HTTP/[0-9.]+ 400");
            assertThat(curl(v, "-o", "/dev/null", base() + "/dns-query").out()).as(v)
                    .containsPattern("HTTP/[0-9.]+ 400");
            assertThat(curl(v, "-o", "/dev/null", base() + "/other?dns=" + dnsParam("a.test", Type.A)).out())
                    .as(v).containsPattern("HTTP/[0-9.]+ 404");
            // Not DNS at all (shorter than a header): 400, nothing sent upstream.
            assertThat(curl(v, "-o", "/dev/null", base() + "/dns-query?dns=AAAA").out()).as(v)
                    .containsPattern("HTTP/[0-9.]+ 400");
        }
        // The connection still serves after the errors.
        assertThat(curl("--http2", "-o", "/dev/null", base() + "/dns-query?dns=" + dnsParam("a.test", Type.A))
                .out()).containsPattern("HTTP/2 200");
    }

    @Test
    void http1PipelinedAnswersComeInRequestOrder() throws Exception {
        try (javax.net.ssl.SSLSocket s = DnsClient.tls(gw.dohPort(), gw.caFile(), "http/1.1")) {
            String get = "GET /dns-query?dns=%s HTTP/1.1\r\nHost: dotgate.test\r\n\r\n";
            // The first goes upstream; the 404 is ready at once but must wait its turn; then a body over the limit.
            String requests = get.formatted(dnsParam("order1.a.test", Type.A))
                    + "GET /nowhere HTTP/1.1\r\nHost: dotgate.test\r\n\r\n"
                    + get.formatted(dnsParam("order3.a.test", Type.A))
                    + "POST /dns-query HTTP/1.1\r\nHost: dotgate.test\r\nContent-Type: application/dns-message\r\n"
                    + "Content-Length: 70000\r\n\r\n";
            s.getOutputStream().write(requests.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().write(new byte[70_000]);
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            List<String> statuses = Pattern.compile("HTTP/1\\.1 (\\d{3})").matcher(all).results()
                    .map(m -> m.group(1)).toList();
            assertThat(statuses).containsExactly("200", "404", "200", "413"); // then the connection closes
        }
    }

    @Test
    void discoveryNamesTheDohEndpoint() {
        Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", String.valueOf(gw.udpPort()),
                "_dns.resolver.arpa", "SVCB", "+tries=1");
        assertThat(dig.out()).contains("status: NOERROR")
                .containsPattern("SVCB\\s+1 dotgate\\.test\\. alpn=\"?dot\"? port=\"?" + gw.dotPort())
                .containsPattern("SVCB\\s+2 dotgate\\.test\\. alpn=\"?h2\"? port=\"?" + gw.dohPort()
                        + "\"? ipv4hint=\"?127\\.0\\.0\\.1\"? (dohpath|key7)=\"/dns-query\\{\\?dns\\}\"");
    }
}
