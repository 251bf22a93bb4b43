package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dotgate.tls.LocalCa;
import dev.dotgate.tls.Pem;
import dev.dotgate.tls.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The local CA can only vouch for the gateway: OpenSSL and GnuTLS (kdig) refuse a certificate it signed for any
 * other name or a public address, while the gateway's own certificate keeps working by name and by address. A data
 * directory from an earlier dotgate, whose CA had no name constraints, gets a constrained CA once, with a warning.
 */
class LocalCaConstraintsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static final String NAME = "dotgate.test"; // the fixture's server_name
    @TempDir
    static Path tmp;
    static Unbound unbound;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
    }

    @AfterAll
    static void stop() throws Exception {
    }

    private static GatewayFixture gateway(Path dir, String toml) throws Exception {
        return servers.gateway(b -> b.dir(dir).toml(toml).timeout("3s"));
    }

    private static Proc.Result kdig(int port, Path ca, String... tls) {
        List<String> cmd = new java.util.ArrayList<>(List.of("kdig", "@127.0.0.1", "-p", String.valueOf(port),
                "+tls-ca=" + ca));
        cmd.addAll(List.of(tls));
        cmd.addAll(List.of("a.test", "A"));
        return Proc.run(15, cmd.toArray(new String[0]));
    }

    private static void assertAnswered(Proc.Result r) {
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("status: NOERROR").contains("192.0.2.1");
    }

    /** A leaf made by openssl, signed with the CA's key read from the data directory. */
    private static Path opensslLeaf(Path data, Path dir, String cn, String subjectAltName) {
        Path key = dir.resolve("key.pem");
        Path csr = dir.resolve("req.csr");
        Path ext = dir.resolve("ext.cnf");
        Path cert = dir.resolve("cert.pem");
        try {
            Files.createDirectories(dir);
            Files.writeString(ext, "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n"
                    + "extendedKeyUsage = serverAuth\nsubjectAltName = " + subjectAltName + "\n");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        Proc.Result req = Proc.run(15, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-subj", "/CN=" + cn, "-out",
                csr.toString());
        assertThat(req.exit()).as(req.out()).isZero();
        Proc.Result sign = Proc.run(15, "openssl", "x509", "-req", "-in", csr.toString(), "-CA",
                data.resolve("ca.pem").toString(), "-CAkey", data.resolve("ca-key.pem").toString(), "-set_serial",
                String.valueOf(System.nanoTime()), "-days", "30", "-extfile", ext.toString(), "-out", cert.toString());
        assertThat(sign.exit()).as(sign.out()).isZero();
        return cert;
    }

    private static Proc.Result verify(Path ca, Path leaf) {
        return Proc.run(15, "openssl", "verify", "-CAfile", ca.toString(), leaf.toString());
    }

    @Test
    void theCaVouchesForTheGatewayOnly() throws Exception {
        Path dir = tmp.resolve("constrained");
        try (GatewayFixture gw = gateway(dir, "")) {
            Path data = dir.resolve("data");
            Path ca = data.resolve("ca.pem");
            Proc.Result text = Proc.run(15, "openssl", "x509", "-in", ca.toString(), "-noout", "-text");
            assertThat(text.out()).contains("X509v3 Name Constraints: critical").contains("DNS:" + NAME)
                    .contains("DNS:localhost").contains("IP:127.0.0.0/255.0.0.0")
                    .contains("IP:192.168.0.0/255.255.0.0").contains("IP:FC00:0:0:0:0:0:0:0/FE00:0:0:0:0:0:0:0");

            // The gateway's own certificate, and kdig (GnuTLS) by name and by address.
            Proc.Result own = verify(ca, data.resolve("server.pem"));
            assertThat(own.out()).as(own.out()).contains(": OK");
            assertAnswered(kdig(gw.dotPort(), ca, "+tls-hostname=" + NAME));
            assertAnswered(kdig(gw.dotPort(), ca)); // checked against the target, 127.0.0.1 (an iPAddress SAN)

            // Anyone with ca-key.pem can still sign, but only for what the constraints permit.
            Path inside = opensslLeaf(data, tmp.resolve("inside"), "www." + NAME,
                    "DNS:www." + NAME + ", IP:192.168.7.7, IP:127.0.0.9");
            assertThat(verify(ca, inside).out()).contains(": OK");
            Path evil = opensslLeaf(data, tmp.resolve("evil"), "evil.example", "DNS:evil.example");
            Proc.Result refused = verify(ca, evil);
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.out()).contains("permitted subtree violation");
            Path publicAddress = opensslLeaf(data, tmp.resolve("public"), NAME, "DNS:" + NAME + ", IP:8.8.8.8");
            assertThat(verify(ca, publicAddress).out()).contains("permitted subtree violation");

            // A DoT server presenting the evil certificate: a real client trusting the CA refuses it.
            Path evilDir = tmp.resolve("evil");
            Path chain = evilDir.resolve("chain.pem");
            Files.writeString(chain, Files.readString(evil) + Files.readString(ca));
            try (GatewayFixture impostor = gateway(tmp.resolve("impostor"), "[listen]\ncert = \"" + chain
                    + "\"\nkey = \"" + evilDir.resolve("key.pem") + "\"\n")) {
                Proc.Result r = kdig(impostor.dotPort(), ca, "+tls-hostname=evil.example");
                assertThat(r.out()).as(r.out()).doesNotContain("status: NOERROR");
                assertThat(r.out()).contains("handshake failed");
            }
        }
    }

    @Test
    void anUnconstrainedCaFromAnEarlierVersionIsReplacedOnce() throws Exception {
        Path dir = tmp.resolve("upgrade");
        Path data = Files.createDirectories(dir.resolve("data"));
        // What dotgate wrote before name constraints: the same four files, a CA that can vouch for anything.
        TestPki.Issued old = TestPki.root("dotgate local CA " + NAME);
        KeyPair leafKeys = LocalCa.newKeyPair();
        X509Certificate oldLeaf = LocalCa.newLeaf(leafKeys.getPublic(), old.cert(), old.key(),
                List.of(NAME, "localhost"), List.of(InetAddress.getByName("127.0.0.1")));
        Pem.write(data.resolve("ca-key.pem"), Pem.toPem(old.key()), true);
        Pem.write(data.resolve("ca.pem"), Pem.toPem(old.cert()), false);
        Pem.write(data.resolve("server-key.pem"), Pem.toPem(leafKeys.getPrivate()), true);
        Pem.write(data.resolve("server.pem"), Pem.toPem(oldLeaf, old.cert()), false);
        String oldCaPem = Files.readString(data.resolve("ca.pem"));
        String oldCaKey = Files.readString(data.resolve("ca-key.pem"));
        Path oldCaFile = tmp.resolve("old-ca.pem");
        Files.writeString(oldCaFile, oldCaPem);

        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logged.start();
        root.addAppender(logged);
        try {
            String newCaPem;
            try (GatewayFixture gw = gateway(dir, "")) {
                newCaPem = Files.readString(data.resolve("ca.pem"));
                assertThat(newCaPem).isNotEqualTo(oldCaPem);
                assertThat(Files.readString(data.resolve("ca-key.pem"))).isNotEqualTo(oldCaKey);
                assertThat(Proc.run(15, "openssl", "x509", "-in", data.resolve("ca.pem").toString(), "-noout",
                        "-text").out()).contains("X509v3 Name Constraints: critical");
                List<ILoggingEvent> warnings = logged.list.stream()
                        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("replaced the local CA"))
                        .toList();
                assertThat(warnings).hasSize(1);
                assertThat(warnings.get(0).getFormattedMessage()).contains("without name constraints")
                        .contains("dotgate setup-phone").contains(data.resolve("ca.pem").toString());
                // The old certificate is kept aside to recognise it on devices; no old key is left.
                List<Path> aside = aside(data);
                assertThat(aside).hasSize(1);
                assertThat(aside.get(0).getFileName().toString()).matches("ca\\.pem\\.unconstrained-\\d{8}T\\d{6}Z");
                assertThat(Files.readString(aside.get(0))).isEqualTo(oldCaPem);
                try (Stream<Path> files = Files.list(data)) {
                    for (Path f : files.toList()) {
                        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(oldCaKey.strip());
                    }
                }
                // The gateway serves a certificate from the new CA: the old CA no longer verifies it.
                assertAnswered(kdig(gw.dotPort(), data.resolve("ca.pem"), "+tls-hostname=" + NAME));
                assertThat(kdig(gw.dotPort(), oldCaFile, "+tls-hostname=" + NAME).out())
                        .doesNotContain("status: NOERROR");
            }
            logged.list.clear();
            try (GatewayFixture gw = gateway(dir, "")) {
                assertThat(Files.readString(data.resolve("ca.pem"))).isEqualTo(newCaPem);
                assertThat(aside(data)).hasSize(1);
                assertThat(logged.list).noneMatch(e -> e.getLevel() == Level.WARN);
                assertAnswered(kdig(gw.dotPort(), data.resolve("ca.pem"), "+tls-hostname=" + NAME));
            }
        } finally {
            root.detachAppender(logged);
        }
    }

    private static List<Path> aside(Path data) throws Exception {
        try (Stream<Path> files = Files.list(data)) {
            return files.filter(f -> f.getFileName().toString().startsWith("ca.pem.")).toList();
        }
    }
}
