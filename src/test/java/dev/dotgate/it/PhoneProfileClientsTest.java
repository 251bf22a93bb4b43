package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.dd.plist.NSArray;
import com.dd.plist.NSData;
import com.dd.plist.NSDictionary;
import com.dd.plist.NSString;
import com.dd.plist.PropertyListParser;
import dev.dotgate.onboard.PhoneProfile;
import dev.dotgate.onboard.PhoneTargets;
import dev.dotgate.resolve.Transport;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * A phone profile holds what a device needs to reach the gateway: the test takes only the profile's own fields
 * (the CA's bytes, server name or URL, addresses) and hands them to strict clients, kdig for DNS-over-TLS and curl
 * for DNS-over-HTTPS, against a running gateway. A wrong CA, name, address or URL in the profile fails here.
 */
class PhoneProfileClientsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void theProfilesFieldsAreEnoughForStrictClients() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[listen]\ndoh = [\"127.0.0.1:0\"]\n"))) {
            // DNS-over-TLS: the device connects to ServerAddresses (port 853 on a phone; the test port here) and
            // checks the certificate for ServerName against the profile's CA.
            NSDictionary dot = profile(gw, PhoneTargets.dot(List.of(gw.gateway.address(Transport.DOT)),
                    v6 -> List.of()));
            Path dotCa = ca(dot, tmp.resolve("dot-ca.pem"));
            NSDictionary dotSettings = settings(dot);
            assertThat(text(dotSettings, "DNSProtocol")).isEqualTo("TLS");
            Proc.Result kdig = Proc.run(15, "kdig", "@" + address(dotSettings), "-p", String.valueOf(gw.dotPort()),
                    "+tls-ca=" + dotCa, "+tls-hostname=" + text(dotSettings, "ServerName"), "a.test", "A");
            assertThat(kdig.exit()).as(kdig.out()).isZero();
            assertThat(kdig.out()).contains("status: NOERROR").contains("192.0.2.1");

            // DNS-over-HTTPS: the device asks ServerURL, connecting to ServerAddresses.
            NSDictionary doh = profile(gw, PhoneTargets.doh(List.of(gw.gateway.address(Transport.DOH)),
                    v6 -> List.of()));
            Path dohCa = ca(doh, tmp.resolve("doh-ca.pem"));
            NSDictionary dohSettings = settings(doh);
            assertThat(text(dohSettings, "DNSProtocol")).isEqualTo("HTTPS");
            URI url = URI.create(text(dohSettings, "ServerURL"));
            assertThat(url.getPort()).isEqualTo(gw.dohPort());
            String query = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(DnsClient.query("a.test", Type.A, 0).toWire());
            Path body = tmp.resolve("answer");
            Proc.Result curl = Proc.run(20, "curl", "-sS", "--max-time", "10", "--http2", "--cacert",
                    dohCa.toString(), "--resolve", url.getHost() + ":" + url.getPort() + ":" + address(dohSettings),
                    "-o", body.toString(), "-w", "%{http_code} %{http_version}", url + "?dns=" + query);
            assertThat(curl.exit()).as(curl.out()).isZero();
            assertThat(curl.out().strip()).isEqualTo("200 2");
            assertThat(new org.xbill.DNS.Message(Files.readAllBytes(body)).getSection(org.xbill.DNS.Section.ANSWER))
                    .singleElement().asString().contains("192.0.2.1");
        }
    }

    private static NSDictionary profile(GatewayFixture gw, PhoneTargets targets) throws Exception {
        PhoneProfile phone = PhoneProfile.of(gw.config, targets);
        return (NSDictionary) PropertyListParser.parse(phone.profile().toBytes());
    }

    private static NSDictionary payload(NSDictionary top, String type) {
        for (var o : ((NSArray) top.objectForKey("PayloadContent")).getArray()) {
            NSDictionary d = (NSDictionary) o;
            if (text(d, "PayloadType").equals(type)) {
                return d;
            }
        }
        throw new AssertionError("no " + type + " payload");
    }

    private static NSDictionary settings(NSDictionary top) {
        return (NSDictionary) payload(top, "com.apple.dnsSettings.managed").objectForKey("DNSSettings");
    }

    private static String address(NSDictionary settings) {
        return ((NSString) ((NSArray) settings.objectForKey("ServerAddresses")).getArray()[0]).getContent();
    }

    /** The profile's root certificate, as the PEM file the clients take. */
    private static Path ca(NSDictionary top, Path file) throws Exception {
        byte[] der = ((NSData) payload(top, "com.apple.security.root").objectForKey("PayloadContent")).bytes();
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END CERTIFICATE-----\n";
        return Files.writeString(file, pem);
    }

    private static String text(NSDictionary d, String key) {
        return ((NSString) d.objectForKey(key)).getContent();
    }
}
