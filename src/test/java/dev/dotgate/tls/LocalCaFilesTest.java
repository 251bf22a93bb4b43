package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What the local CA may vouch for, and when the data directory's CA is kept, replaced or narrowed in a leaf. */
class LocalCaFilesTest {
    @TempDir
    Path dir;
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(LocalCaFiles.class);

    @BeforeEach
    void attach() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(logged);
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void scopePermitsTheNamesTheirSubdomainsPrivateRangesAndTheHostsOtherAddressesExactly() throws Exception {
        CaScope scope = CaScope.forNames(List.of("dotgate.test", "myhost"),
                List.of(ip("127.0.0.1"), ip("192.168.1.20"), ip("203.0.113.5"), ip("2001:db8::5")));
        assertThat(scope.permits("dotgate.test")).isTrue();
        assertThat(scope.permits("DoH.DotGate.Test")).isTrue();
        assertThat(scope.permits("localhost")).isTrue();
        assertThat(scope.permits("myhost")).isTrue();
        assertThat(scope.permits("evildotgate.test")).isFalse();
        assertThat(scope.permits("evil.example")).isFalse();
        assertThat(scope.permits("test")).isFalse();
        for (String inside : List.of("127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                "192.168.200.1", "::1", "fd12:3456::1", "fc00::1", "203.0.113.5", "2001:db8::5")) {
            assertThat(scope.permits(ip(inside))).as(inside).isTrue();
        }
        for (String outside : List.of("8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "203.0.113.6",
                "2001:db8::6", "fe80::1", "169.254.1.1", "::2")) {
            assertThat(scope.permits(ip(outside))).as(outside).isFalse();
        }
    }

    @Test
    void theConstraintsInTheCertificateReadBackTheSame() throws Exception {
        CaScope scope = CaScope.forNames(List.of("dotgate.test"), List.of(ip("203.0.113.5")));
        X509Certificate ca = LocalCa.newCa(LocalCa.newKeyPair(), "scope test", scope);
        assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.30");
        CaScope read = CaScope.of(ca);
        assertThat(read.describe()).isEqualTo(scope.describe()).contains("203.0.113.5/32").contains("fc00::/7")
                .contains("172.16.0.0/12");
        assertThat(CaScope.of(TestPki.root("unconstrained").cert())).isNull();
    }

    @Test
    void aChangedServerNameGetsANewCaOnce() throws Exception {
        ServerIdentity first = ServerIdentity.generated(dir, "old.test");
        logged.list.clear(); // "created a local CA"
        ServerIdentity second = ServerIdentity.generated(dir, "new.test");
        assertThat(second.chain().get(1)).isNotEqualTo(first.chain().get(1));
        assertThat(ChainCheck.dnsNames(second.chain().get(0))).contains("new.test").doesNotContain("old.test");
        assertThat(logged.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("not for the server name 'new.test'")
                    .contains("dotgate setup-phone");
        });
        assertThat(aside()).singleElement().satisfies(p -> assertThat(p.getFileName().toString())
                .startsWith("ca.pem.replaced-"));
        logged.list.clear();
        assertThat(ServerIdentity.generated(dir, "new.test").chain()).isEqualTo(second.chain());
        assertThat(logged.list).isEmpty();
    }

    @Test
    void aKeyFileWithAnotherKeyGetsANewCa() throws Exception {
        ServerIdentity first = ServerIdentity.generated(dir, "dotgate.test");
        KeyPair other = LocalCa.newKeyPair();
        Pem.write(dir.resolve("ca-key.pem"), Pem.toPem(other.getPrivate()), true);
        logged.list.clear();
        ServerIdentity second = ServerIdentity.generated(dir, "dotgate.test");
        assertThat(second.chain().get(1)).isNotEqualTo(first.chain().get(1));
        second.chain().get(0).verify(second.chain().get(1).getPublicKey());
        assertThat(logged.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains("is not the key of"));
    }

    @Test
    void aLeafLeavesOutWhatTheCaMayNotVouchFor() throws Exception {
        // A CA made while this host had other names: the current host name and public addresses are not in it.
        CaScope narrow = CaScope.forNames(List.of("dotgate.test"), List.of());
        KeyPair keys = LocalCa.newKeyPair();
        Pem.write(dir.resolve("ca-key.pem"), Pem.toPem(keys.getPrivate()), true);
        Pem.write(dir.resolve("ca.pem"), Pem.toPem(LocalCa.newCa(keys, "dotgate local CA dotgate.test", narrow)),
                false);
        ServerIdentity id = ServerIdentity.generated(dir, "dotgate.test");
        X509Certificate leaf = id.chain().get(0);
        leaf.verify(keys.getPublic());
        for (String name : ChainCheck.dnsNames(leaf)) {
            assertThat(narrow.permits(name)).as(name).isTrue();
        }
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
            if ((Integer) san.get(0) == 7) {
                assertThat(narrow.permits(ip((String) san.get(1)))).as(san.toString()).isTrue();
            }
        }
        assertThat(ChainCheck.dnsNames(leaf)).contains("dotgate.test", "localhost");
        assertThat(logged.list).isEmpty(); // the CA was kept
        // and it is current: a second start does not issue it again
        assertThat(ServerIdentity.generated(dir, "dotgate.test").chain()).isEqualTo(id.chain());
    }

    private List<Path> aside() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("ca.pem.")).toList();
        }
    }
}
