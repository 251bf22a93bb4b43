package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * SPKI pinning of a DoT upstream (RFC 7858 section 4.2): with its key's hash among {@code pin_sha256} the upstream
 * answers; with only another key's hash the connection is refused though the chain is valid, queries get
 * SERVFAIL, and the log names the hash of the key the server presented.
 */
@ExtendWith(LeakCheck.class)
class UpstreamPinsTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    /** The base64 SHA-256 of the upstream certificate's SubjectPublicKeyInfo. */
    private static String pinOf(Unbound unbound) throws Exception {
        try (InputStream in = Files.newInputStream(unbound.dir().resolve("upstream.pem"))) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(cert.getPublicKey().getEncoded()));
        }
    }

    private static String toml(Unbound unbound, String pin) {
        return "[upstream]\nservers = [{ url = \"" + unbound.uri() + "\", pin_sha256 = [\"" + pin + "\"] }]\n";
    }

    @Test
    void theRightPinWorksAndAWrongOneIsRefusedNamingThePresentedKey() throws Exception {
        Unbound unbound = servers.unbound();
        String right = pinOf(unbound);
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(unbound.caFile()).toml(toml(unbound, right)))) {
            Message m = DnsClient.udp(gw.udp(), DnsClient.query("a.test", Type.A, 1), 3000);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        }
        String wrong = Base64.getEncoder().encodeToString(new byte[32]);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger log = (Logger) LoggerFactory.getLogger("dev.dotgate.upstream");
        logged.start();
        log.addAppender(logged);
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(unbound.caFile()).toml(toml(unbound, wrong)))) {
            Message m = DnsClient.udp(gw.udp(), DnsClient.query("a.test", Type.A, 2), 5000);
            assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).contains("key pin mismatch")
                            .contains("pin_sha256 \"" + right + "\"").contains(wrong));
        } finally {
            log.detachAppender(logged);
        }
    }

    /** The same over DoH and DoQ, against another gateway's listeners (its own certificate's key). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"https", "quic"})
    void pinsHoldForDohAndDoqUpstreams(String scheme) throws Exception {
        try (GatewayFixture server = servers.gateway(b -> b.toml("[listen]\ndoh = [\"127.0.0.1:0\"]\n"
                + "doq = [\"127.0.0.1:0\"]\n"))) {
            String right = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(server.gateway.identity().chain().get(0).getPublicKey().getEncoded()));
            String wrong = Base64.getEncoder().encodeToString(new byte[32]);
            String url = scheme.equals("https") ? "https://127.0.0.1:" + server.dohPort() + "/dns-query#dotgate.test"
                    : "quic://127.0.0.1:" + server.doqPort() + "#dotgate.test";
            for (String pin : new String[] {right, wrong}) {
                String toml = "[upstream]\nservers = [{ url = \"" + url + "\", pin_sha256 = [\"" + pin + "\"] }]\n";
                try (GatewayFixture gw = servers.gateway(b -> b.upstreams(server.caFile()).toml(toml))) {
                    Message m = DnsClient.udp(gw.udp(), DnsClient.query("a.test", Type.A, 3), 5000);
                    assertThat(m.getRcode()).as("pin %s", pin.equals(right) ? "right" : "wrong")
                            .isEqualTo(pin.equals(right) ? Rcode.NOERROR : Rcode.SERVFAIL);
                }
            }
        }
    }
}
