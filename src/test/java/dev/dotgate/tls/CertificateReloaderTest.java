package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dotgate.it.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The reloader on real files in a temp dir, polling every 100 ms; what it logs is part of what is tested. */
class CertificateReloaderTest {
    private static final Duration POLL = Duration.ofMillis(100);
    @TempDir
    Path dir;
    Path cert;
    Path key;
    TestPki.Issued ca;
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(CertificateReloader.class);

    @BeforeEach
    void setUp() throws Exception {
        cert = dir.resolve("fullchain.pem");
        key = dir.resolve("privkey.pem");
        ca = TestPki.root("Reload Test CA");
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(logged);
    }

    private TestPki.Issued writeNew() throws Exception {
        TestPki.Issued leaf = TestPki.leaf(ca, "dns.example.test");
        TestPki.write(cert, key, leaf.key(), leaf.cert(), ca.cert());
        return leaf;
    }

    private List<String> errors() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    /** A timer interval that never comes in a test: the test runs the polls itself, {@link #polls}. */
    private static final Duration BY_HAND = Duration.ofHours(1);

    /** {@code n} polls of the timer's, run here: time passes only as the test says. */
    private static void polls(CertificateReloader r, int n) {
        for (int i = 0; i < n; i++) {
            r.poll();
        }
    }

    @Test
    void halfWrittenPairIsWaitedForThenLoaded() throws Exception {
        TestPki.Issued a = writeNew();
        try (CertificateReloader r = CertificateReloader.start(cert, key, "dns.example.test", BY_HAND)) {
            List<ServerIdentity> seen = new CopyOnWriteArrayList<>();
            r.holder().onChange(seen::add);
            assertThat(seen).singleElement().extracting(id -> id.chain().get(0)).isEqualTo(a.cert());
            // A renewal writes the certificate first; the key follows a little later: a poll in between.
            TestPki.Issued b = TestPki.leaf(ca, "dns.example.test");
            Pem.write(cert, Pem.toPem(b.cert(), ca.cert()), false);
            polls(r, 1);
            Pem.write(key, Pem.toPem(b.key()), true);
            polls(r, 5);
            assertThat(r.holder().current().chain().get(0)).isEqualTo(b.cert());
            assertThat(seen).hasSize(2);
            assertThat(errors()).as("a pair caught half-written is no error").isEmpty();
            assertThat(r.lastFailure()).isNull();
        }
    }

    @Test
    void badPairsAreReportedOnceEachAndTheRunningOneKept() throws Exception {
        TestPki.Issued a = writeNew();
        try (CertificateReloader r = CertificateReloader.start(cert, key, "dns.example.test", BY_HAND)) {
            // A key that is not the certificate's, and stays so.
            TestPki.Issued other = TestPki.leaf(ca, "dns.example.test");
            Pem.write(key, Pem.toPem(other.key()), true);
            polls(r, 10);
            assertThat(errors()).singleElement().asString().contains("listen.key: '" + key + "'")
                    .contains("is not the key of the certificate in '" + cert + "'")
                    .contains("still serving CN=dns.example.test");
            assertThat(r.lastFailure()).contains("is not the key");
            assertThat(r.holder().current().chain().get(0)).isEqualTo(a.cert());
            // Garbage in the certificate file: a distinct failure, reported once more.
            Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
            polls(r, 10);
            assertThat(errors()).hasSize(2);
            assertThat(errors().get(1)).contains("listen.cert: '" + cert + "' cannot be read");
            // A file gone (a symlink being swapped, say): reported, nothing replaced.
            Files.delete(cert);
            polls(r, 10);
            assertThat(errors()).hasSize(3);
            assertThat(errors().get(2)).contains("no such file");
            assertThat(r.holder().current().chain().get(0)).isEqualTo(a.cert());
            // A good pair again is taken up.
            TestPki.Issued c = writeNew();
            polls(r, 5);
            assertThat(r.holder().current().chain().get(0)).isEqualTo(c.cert());
            assertThat(r.lastFailure()).isNull();
        }
    }

    @Test
    void expiredCertificateIsRefusedOnReloadButOnlyWarnedAtStart() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued expired = TestPki.leaf(ca, now.minus(Duration.ofDays(100)), now.minus(Duration.ofDays(10)),
                "dns.example.test");
        TestPki.write(cert, key, expired.key(), expired.cert(), ca.cert());
        try (CertificateReloader r = CertificateReloader.start(cert, key, "dns.example.test", Duration.ofHours(1))) {
            assertThat(logged.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("expired on").contains("renew it");
            });
            TestPki.Issued good = writeNew();
            assertThat(r.reloadNow()).isTrue();
            assertThat(r.holder().current().chain().get(0)).isEqualTo(good.cert());
            TestPki.write(cert, key, expired.key(), expired.cert(), ca.cert());
            assertThat(r.reloadNow()).isFalse();
            assertThat(errors()).singleElement().asString().contains("listen.cert: '" + cert + "' expired on")
                    .contains("still serving");
            assertThat(r.holder().current().chain().get(0)).isEqualTo(good.cert());
        }
    }

    @Test
    void symlinkSwapLikeCertbotIsNoticed() throws Exception {
        Path archive = Files.createDirectories(dir.resolve("archive"));
        TestPki.Issued a = TestPki.leaf(ca, "dns.example.test");
        TestPki.write(archive.resolve("fullchain1.pem"), archive.resolve("privkey1.pem"), a.key(), a.cert(), ca.cert());
        TestPki.Issued b = TestPki.leaf(ca, "dns.example.test");
        TestPki.write(archive.resolve("fullchain2.pem"), archive.resolve("privkey2.pem"), b.key(), b.cert(), ca.cert());
        // The same modification times: the link targets tell them apart.
        for (String f : List.of("fullchain", "privkey")) {
            Files.setLastModifiedTime(archive.resolve(f + "2.pem"),
                    Files.getLastModifiedTime(archive.resolve(f + "1.pem")));
        }
        Files.createSymbolicLink(cert, archive.resolve("fullchain1.pem"));
        Files.createSymbolicLink(key, archive.resolve("privkey1.pem"));
        try (CertificateReloader r = CertificateReloader.start(cert, key, "dns.example.test", POLL)) {
            relink(cert, archive.resolve("fullchain2.pem"));
            relink(key, archive.resolve("privkey2.pem"));
            // The reloader's own timer this time (every 100 ms).
            Eventually.until(() -> r.holder().current().chain().get(0).equals(b.cert()), Duration.ofSeconds(5),
                    "the swapped pair loaded");
            assertThat(r.holder().current().chain().get(0)).isEqualTo(b.cert());
        }
    }

    @Test
    void unreadableOrMismatchedAtStartIsAnError() throws Exception {
        writeNew();
        TestPki.Issued other = TestPki.leaf(ca, "dns.example.test");
        Path otherKey = dir.resolve("other-key.pem");
        Pem.write(otherKey, Pem.toPem(other.key()), true);
        assertThatThrownBy(() -> CertificateReloader.start(cert, otherKey, "dns.example.test", POLL))
                .isInstanceOf(IdentityException.class)
                .hasMessageContaining("listen.key: '" + otherKey + "' is not the key of the certificate");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "hello\n");
        assertThatThrownBy(() -> CertificateReloader.start(garbage, key, "dns.example.test", POLL))
                .isInstanceOf(IdentityException.class)
                .hasMessage("listen.cert: '" + garbage + "' cannot be read: no PEM certificate found; give the PEM"
                        + " certificate chain (leaf first)");
        assertThatThrownBy(() -> CertificateReloader.start(cert, cert, "dns.example.test", POLL))
                .isInstanceOf(IdentityException.class)
                .hasMessageContaining("listen.key: '" + cert + "' cannot be read: no unencrypted PEM private key");
    }

    /** Re-points {@code link} atomically, the way certbot and Kubernetes do. */
    private static void relink(Path link, Path target) throws Exception {
        Path tmp = link.resolveSibling(link.getFileName() + ".new");
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
