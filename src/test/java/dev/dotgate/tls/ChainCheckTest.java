package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chain checker on real chains: a root the "clients" trust, an intermediate it signed, leaves below it. */
class ChainCheckTest {
    static TestPki.Issued root;
    static TestPki.Issued intermediate;
    static TestPki.Issued leaf;
    static List<X509Certificate> anchors;

    @BeforeAll
    static void pki() throws Exception {
        root = TestPki.root("Test Public Root");
        intermediate = TestPki.intermediate("Test Issuing CA", root);
        leaf = TestPki.leaf(intermediate, "dns.example.test");
        anchors = List.of(root.cert());
    }

    private static List<String> check(String serverName, X509Certificate... chain) {
        return ChainCheck.warnings(List.of(chain), serverName, Instant.now(), anchors);
    }

    @Test
    void completeChainHasNoWarning() {
        assertThat(check("dns.example.test", leaf.cert(), intermediate.cert())).isEmpty();
        // Sending the root as well is harmless.
        assertThat(check("dns.example.test", leaf.cert(), intermediate.cert(), root.cert())).isEmpty();
    }

    @Test
    void leafAloneIsCertPemNotFullchain() {
        List<String> w = check("dns.example.test", leaf.cert());
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).contains("CN=Test Issuing CA").contains("cannot verify")
                .contains("fullchain.pem, not cert.pem");
    }

    @Test
    void missingIntermediateBetweenLeafAndRoot() {
        List<String> w = check("dns.example.test", leaf.cert(), root.cert());
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).contains("intermediate is missing").contains("CN=Test Issuing CA")
                .contains("fullchain.pem, not cert.pem");
    }

    @Test
    void wrongOrderIsSaidOnce() {
        List<String> w = check("dns.example.test", intermediate.cert(), leaf.cert());
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).contains("out of order").contains("server's certificate first");
        List<String> w3 = check("dns.example.test", leaf.cert(), root.cert(), intermediate.cert());
        assertThat(w3).hasSize(1);
        assertThat(w3.get(0)).contains("out of order");
    }

    @Test
    void privateRootNotTrustedByDefaultIsAWarningOnly() throws Exception {
        TestPki.Issued own = TestPki.root("Home CA");
        TestPki.Issued homeLeaf = TestPki.leaf(own, "dns.home.arpa");
        // The leaf alone: clients with only public roots cannot build a path.
        assertThat(check("dns.home.arpa", homeLeaf.cert())).singleElement().asString()
                .contains("CN=Home CA").contains("ignore this if every client trusts that CA directly");
        // With its self-signed root the chain is complete.
        assertThat(check("dns.home.arpa", homeLeaf.cert(), own.cert())).isEmpty();
    }

    @Test
    void serverNameMustBeAmongTheDnsNames() {
        List<String> w = check("other.example.test", leaf.cert(), intermediate.cert());
        assertThat(w).singleElement().asString().contains("server_name 'other.example.test'")
                .contains("[dns.example.test]").contains("set server_name");
    }

    @Test
    void wildcardCertificateCoversOneLabel() throws Exception {
        TestPki.Issued wild = TestPki.leaf(intermediate, "*.example.test");
        assertThat(check("dns.example.test", wild.cert(), intermediate.cert())).isEmpty();
        assertThat(check("DNS.Example.Test.", wild.cert(), intermediate.cert())).isEmpty();
        assertThat(check("example.test", wild.cert(), intermediate.cert())).singleElement().asString()
                .contains("server_name 'example.test'");
        assertThat(check("a.b.example.test", wild.cert(), intermediate.cert())).hasSize(1);
    }

    @Test
    void nameMatchingPerRfc6125() {
        assertThat(ChainCheck.nameMatches("*.example.com", "dns.example.com")).isTrue();
        assertThat(ChainCheck.nameMatches("*.example.com", "example.com")).isFalse();
        assertThat(ChainCheck.nameMatches("*.example.com", "a.dns.example.com")).isFalse();
        assertThat(ChainCheck.nameMatches("*.com", "example.com")).isFalse();
        assertThat(ChainCheck.nameMatches("dns.*.com", "dns.example.com")).isFalse();
        assertThat(ChainCheck.nameMatches("Dns.Example.com.", "dns.example.COM")).isTrue();
        assertThat(ChainCheck.nameMatches("dns.example.com", "dns2.example.com")).isFalse();
    }

    @Test
    void expiredAndNotYetValidLeaves() throws Exception {
        Instant now = Instant.now();
        // The same chain seen 400 days on: the 90-day leaf has expired (the clock is a parameter).
        List<String> later = ChainCheck.warnings(List.of(leaf.cert(), intermediate.cert()), "dns.example.test",
                now.plus(Duration.ofDays(400)), anchors);
        assertThat(later).anySatisfy(s -> assertThat(s).startsWith("the server certificate").contains("expired on"));
        TestPki.Issued future = TestPki.leaf(intermediate, now.plus(Duration.ofDays(2)), now.plus(Duration.ofDays(30)),
                "dns.example.test");
        assertThat(check("dns.example.test", future.cert(), intermediate.cert())).singleElement().asString()
                .contains("is not valid before").contains("clock");
    }
}
