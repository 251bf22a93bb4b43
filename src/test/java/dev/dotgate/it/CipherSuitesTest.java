package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.tls.CipherSuites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * One TLS 1.2 cipher list, ECDHE with AEAD only, on every TLS endpoint in both directions and with either
 * provider: openssl s_client against the DoT and DoH listeners (with the generated ECDSA identity and with a
 * user-supplied RSA one), and an openssl s_server upstream that records what the gateway's client offers.
 */
class CipherSuitesTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static final List<String> ECDSA_AEAD = List.of("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305");
    static final List<String> ECDSA_REFUSED = List.of("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA256",
            "ECDHE-ECDSA-AES256-SHA384");
    static final List<String> RSA_AEAD = List.of("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-CHACHA20-POLY1305");
    static final List<String> RSA_REFUSED = List.of("ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
            "AES128-GCM-SHA256", "AES256-SHA", "DHE-RSA-AES128-GCM-SHA256");

    @TempDir
    static Path tmp;
    static Path rsa;

    @BeforeAll
    static void rsaIdentity() throws IOException {
        rsa = tmp.resolve("rsa");
        Files.createDirectories(rsa);
        String d = rsa.toString();
        check(Proc.run(60, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
                "-subj", "/CN=cipher test CA", "-keyout", d + "/ca.key", "-out", d + "/ca.pem",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"));
        check(Proc.run(60, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + Unbound.AUTH_NAME,
                "-keyout", d + "/server.key", "-out", d + "/server.csr"));
        Files.writeString(rsa.resolve("ext.cnf"), "subjectAltName=DNS:" + Unbound.AUTH_NAME
                + ",DNS:dotgate.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        check(Proc.run(60, "openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey",
                d + "/ca.key", "-CAcreateserial", "-days", "3", "-extfile", d + "/ext.cnf", "-out", d + "/server.pem"));
    }

    @Test
    void listenersTakeOnlyEcdheAeadWithBoringSsl() throws Exception {
        listenersTakeOnlyEcdheAead("boring");
    }

    @Test
    void listenersTakeOnlyEcdheAeadWithJdkTls() throws Exception {
        withJdkTls(() -> listenersTakeOnlyEcdheAead("jdk"));
    }

    @Test
    void upstreamClientOffersOnlyTheListWithBoringSsl() throws Exception {
        upstreamClientOffersOnlyTheList("boring");
    }

    @Test
    void upstreamClientOffersOnlyTheListWithJdkTls() throws Exception {
        withJdkTls(() -> upstreamClientOffersOnlyTheList("jdk"));
    }

    private static void listenersTakeOnlyEcdheAead(String name) throws Exception {
        // The generated identity: an ECDSA P-256 key (tls/LocalCa).
        try (GatewayFixture gw = servers.gateway(b -> b.dir(tmp.resolve(name + "-ec")).toml("""
                [listen]
                doh = ["127.0.0.1:0"]
                """).upstreams(null, "udp://127.0.0.1:9").timeout("1s"))) {
            for (int port : new int[] {gw.dotPort(), gw.dohPort()}) {
                ECDSA_AEAD.forEach(c -> assertAccepted(port, c));
                ECDSA_REFUSED.forEach(c -> assertRefused(port, c));
            }
        }
        // A user-supplied RSA identity.
        try (GatewayFixture gw = servers.gateway(b -> b.dir(tmp.resolve(name + "-rsa")).toml("""
                [listen]
                doh = ["127.0.0.1:0"]
                cert = "%s"
                key = "%s"
                """.formatted(rsa.resolve("server.pem"), rsa.resolve("server.key")))
                .upstreams(null, "udp://127.0.0.1:9").timeout("1s"))) {
            for (int port : new int[] {gw.dotPort(), gw.dohPort()}) {
                RSA_AEAD.forEach(c -> assertAccepted(port, c));
                RSA_REFUSED.forEach(c -> assertRefused(port, c));
            }
        }
    }

    private static void upstreamClientOffersOnlyTheList(String name) throws Exception {
        // Unrestricted: the ClientHello's TLS 1.2 suites are exactly the list.
        String offered = handshakeWithUpstream(name + "-any", null);
        assertThat(offered).contains("CIPHER is ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(tls12Offered(offered)).containsExactlyElementsOf(CipherSuites.TLS12);
        // An upstream that only does CBC cannot agree with us; one that does CHACHA20 can.
        String cbc = handshakeWithUpstream(name + "-cbc", "ECDHE-RSA-AES128-SHA");
        assertThat(cbc).contains("no shared cipher").doesNotContain("CIPHER is");
        String chacha = handshakeWithUpstream(name + "-chacha", "ECDHE-RSA-CHACHA20-POLY1305");
        assertThat(chacha).contains("CIPHER is ECDHE-RSA-CHACHA20-POLY1305");
    }

    /** Starts s_server (TLS 1.2, optionally one cipher), sends a query through a gateway using it; its log. */
    private static String handshakeWithUpstream(String name, String cipher) throws Exception {
        int port = Ports.free();
        Path log = tmp.resolve(name + ".log");
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-tls1_2", "-trace", "-cert", rsa.resolve("server.pem").toString(), "-key",
                rsa.resolve("server.key").toString()));
        if (cipher != null) {
            cmd.addAll(List.of("-cipher", cipher));
        }
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Ports.awaitListening(port, 10_000);
            try (GatewayFixture gw = servers.gateway(b -> b.toml("").timeout("1s").upstreams(rsa.resolve("ca.pem"),
                    "tls://127.0.0.1:" + port + "#" + Unbound.AUTH_NAME))) {
                DnsClient.udp(gw.udp(), DnsClient.query("a.test.", Type.A, 5), 3000); // SERVFAIL: s_server is mute
                // s_server's trace ends the handshake with the cipher chosen, or its refusal; the caller judges it.
                Eventually.tryUntil(() -> {
                    String out = Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
                    return out.contains("CIPHER is") || out.contains("no shared cipher");
                }, java.time.Duration.ofSeconds(5));
                return Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
            }
        } finally {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The TLS 1.2 suites of the first ClientHello in an s_server -trace log, in order (no TLS 1.3, SCSV, GREASE). */
    private static Set<String> tls12Offered(String trace) {
        int at = trace.indexOf("cipher_suites (len=");
        assertThat(at).as("a ClientHello in " + trace).isGreaterThanOrEqualTo(0);
        String block = trace.substring(at, trace.indexOf("compression_methods", at));
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\} (TLS_\\w+)").matcher(block);
        while (m.find()) {
            String s = m.group(1);
            if (!CipherSuites.TLS13.contains(s) && !s.endsWith("_SCSV")) {
                out.add(s);
            }
        }
        return out;
    }

    private static void assertAccepted(int port, String cipher) {
        Proc.Result r = sClient(port, cipher);
        assertThat(r.out()).as(cipher + " on port " + port).contains("Cipher is " + cipher);
    }

    private static void assertRefused(int port, String cipher) {
        Proc.Result r = sClient(port, cipher);
        assertThat(r.out()).as(cipher + " on port " + port).doesNotContain("Cipher is " + cipher)
                .containsPattern("alert handshake failure|no ciphers available|Cipher is \\(NONE\\)");
    }

    private static Proc.Result sClient(int port, String cipher) {
        return Proc.withInput(15, "", "openssl", "s_client", "-connect", "127.0.0.1:" + port, "-tls1_2",
                "-cipher", cipher);
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} with the JDK's TLS instead of BoringSSL (tls/TlsProvider reads the property). */
    private static void withJdkTls(Body body) throws Exception {
        System.setProperty("dotgate.jdkTls", "true");
        try {
            body.run();
        } finally {
            System.clearProperty("dotgate.jdkTls");
        }
    }

    private static void check(Proc.Result r) {
        if (r.exit() != 0) {
            throw new AssertionError("openssl failed: " + r.out());
        }
    }
}
