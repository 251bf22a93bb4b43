package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dotgate.cli.Main;
import dev.dotgate.tls.CertificateReloader;
import dev.dotgate.tls.Pem;
import dev.dotgate.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;
import picocli.CommandLine;

/**
 * Certificate rotation with real clients: a DoT listener serving the user's files; they are replaced by a
 * certificate from another CA; new kdig connections (GnuTLS, strict) get the new one while a JDK TLS connection
 * opened before keeps answering; a bad pair changes nothing. Each CA is trusted by its own clients only, so which
 * kdig succeeds shows which certificate was presented.
 */
class CertificateRotationTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static final String NAME = "dotgate.test"; // the fixture's server_name
    @TempDir
    static Path tmp;
    static Unbound unbound;
    static TestPki.Issued caA;
    static TestPki.Issued caB;
    static Path caAFile;
    static Path caBFile;
    Path live;
    Path cert;
    Path key;
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    final Logger reloaderLog = (Logger) LoggerFactory.getLogger(CertificateReloader.class);

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        caA = TestPki.root("Rotation CA A");
        caB = TestPki.root("Rotation CA B");
        caAFile = tmp.resolve("caA.pem");
        caBFile = tmp.resolve("caB.pem");
        TestPki.writeCa(caAFile, caA);
        TestPki.writeCa(caBFile, caB);
    }

    @AfterAll
    static void stop() throws Exception {
    }

    @BeforeEach
    void files(org.junit.jupiter.api.TestInfo info) throws Exception {
        live = Files.createDirectories(tmp.resolve(info.getTestMethod().orElseThrow().getName()).resolve("live"));
        cert = live.resolve("fullchain.pem");
        key = live.resolve("privkey.pem");
        logged.start();
        reloaderLog.addAppender(logged);
    }

    @AfterEach
    void detach() {
        reloaderLog.detachAppender(logged);
        System.clearProperty("dotgate.certPollMillis");
    }

    private TestPki.Issued install(TestPki.Issued ca) throws Exception {
        TestPki.Issued leaf = TestPki.leaf(ca, NAME);
        TestPki.write(cert, key, leaf.key(), leaf.cert(), ca.cert());
        return leaf;
    }

    private GatewayFixture gateway(long pollMillis) throws Exception {
        System.setProperty("dotgate.certPollMillis", String.valueOf(pollMillis));
        return servers.gateway(b -> b.dir(live.getParent().resolve("gw"))
                .toml("[listen]\ncert = \"" + cert + "\"\nkey = \"" + key + "\"\n").timeout("3s"));
    }

    private static Proc.Result kdig(GatewayFixture gw, Path ca) {
        return Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dotPort()), "+tls-ca=" + ca,
                "+tls-hostname=" + NAME, "a.test", "A");
    }

    private static void assertServes(GatewayFixture gw, Path trusted, Path distrusted) {
        Proc.Result ok = kdig(gw, trusted);
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("status: NOERROR").contains("192.0.2.1");
        Proc.Result refused = kdig(gw, distrusted);
        assertThat(refused.out()).doesNotContain("status: NOERROR");
    }

    private static Message ask(SSLSocket s, int id) throws Exception {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        DnsClient.writeFramed(out, DnsClient.query("a.test.", Type.A, id).toWire());
        out.flush();
        return DnsClient.readFramed(new DataInputStream(s.getInputStream()));
    }

    private List<String> errors() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static void await(String what, BooleanSupplier condition) {
        Eventually.until(condition::getAsBoolean, java.time.Duration.ofSeconds(10), what);
    }

    @Test
    void changedFilesAreServedToNewConnectionsWhileOpenOnesCarryOn() throws Exception {
        TestPki.Issued a = install(caA);
        try (GatewayFixture gw = gateway(300)) {
            assertServes(gw, caAFile, caBFile);
            try (SSLSocket old = DnsClient.dot(gw.dotPort(), caAFile)) {
                assertThat(ask(old, 11).getSectionArray(org.xbill.DNS.Section.ANSWER)[0].rdataToString())
                        .isEqualTo("192.0.2.1");

                TestPki.Issued b = install(caB);
                await("the new certificate", () -> gw.gateway.identity().chain().get(0).equals(b.cert()));
                assertServes(gw, caBFile, caAFile);
                // The connection opened before still works, on certificate A.
                Message again = ask(old, 12);
                assertThat(again.getHeader().getID()).isEqualTo(12);
                assertThat(again.getSectionArray(org.xbill.DNS.Section.ANSWER)[0].rdataToString())
                        .isEqualTo("192.0.2.1");
                assertThat(old.getSession().getPeerCertificates()[0]).isEqualTo(a.cert());

                // A key that does not belong to the certificate: reported, and certificate B stays.
                Pem.write(key, Pem.toPem(TestPki.leaf(caB, NAME).key()), true);
                await("the error", () -> !errors().isEmpty());
                assertThat(errors()).singleElement().asString().contains("listen.key: '" + key + "'")
                        .contains("is not the key of the certificate").contains("still serving");
                assertServes(gw, caBFile, caAFile);
                // Garbage where the certificate was: reported too, B still served.
                Files.writeString(cert, "this is not PEM\n");
                await("the second error", () -> errors().size() == 2);
                assertThat(errors().get(1)).contains("listen.cert: '" + cert + "' cannot be read");
                assertServes(gw, caBFile, caAFile);
                assertThat(gw.gateway.identity().chain().get(0)).isEqualTo(b.cert());
                assertThat(ask(old, 13).getHeader().getID()).isEqualTo(13);
            }
        }
    }

    @Test
    void reloadReadsTheFilesAgainEvenWithoutAConfigChange() throws Exception {
        install(caA);
        try (GatewayFixture gw = gateway(3_600_000)) { // no poll during the test: only the reload can do it
            assertServes(gw, caAFile, caBFile);
            TestPki.Issued b = install(caB);
            Proc.Result stillA = kdig(gw, caBFile);
            assertThat(stillA.out()).doesNotContain("status: NOERROR");
            gw.gateway.reload(gw.config); // what SIGHUP calls
            assertThat(gw.gateway.identity().chain().get(0)).isEqualTo(b.cert());
            assertServes(gw, caBFile, caAFile);
            // A bad pair on reload: logged at once, B kept.
            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
            gw.gateway.reload(gw.config);
            assertThat(errors()).singleElement().asString().contains("listen.key: '" + key + "' cannot be read");
            assertServes(gw, caBFile, caAFile);
        }
    }

    @Test
    void runExitsTwoWhenTheKeyIsNotTheCertificates() throws Exception {
        install(caA);
        Path otherKey = live.resolve("other-key.pem");
        Pem.write(otherKey, Pem.toPem(TestPki.leaf(caA, NAME).key()), true);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        int exit = cl.execute("run", "--allow-root", "--listen", "127.0.0.1:0", "--dot-listen", "127.0.0.1:0", "--upstream",
                unbound.uri(), "--upstream-ca", unbound.caFile().toString(), "--data-dir",
                live.resolve("data").toString(), "--cert", cert.toString(), "--key", otherKey.toString());
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(text).isEqualTo(2);
        assertThat(text).isEqualTo("dotgate: listen.key: '" + otherKey + "' is not the key of the certificate in '"
                + cert + "' (" + dev.dotgate.tls.ChainCheck.describe(
                        Pem.readCertificates(cert).get(0)) + "); give the key that was issued with it (for certbot:"
                + " privkey.pem from the same live/ directory)\n");
    }
}
