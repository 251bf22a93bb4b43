package dev.dotgate.onboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.dd.plist.NSArray;
import com.dd.plist.NSData;
import com.dd.plist.NSDictionary;
import com.dd.plist.NSNumber;
import com.dd.plist.NSObject;
import com.dd.plist.NSString;
import com.dd.plist.PropertyListParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.it.Proc;
import dev.dotgate.tls.Pem;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile read back by independent property-list parsers: dd-plist, and Python's plistlib when present. */
class MobileConfigTest {
    private static final String UUID_FORM = "[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}";

    @TempDir
    Path tmp;

    private GatewayConfig config(Path dataDir, String serverName, String... dot) throws Exception {
        return ConfigLoader.load(null, ConfigLoader.Overrides.basic(List.of(), List.of(dot), List.of(), null, dataDir,
                serverName, null));
    }

    private PhoneProfile phone(Path dataDir, String serverName, String... dot) throws Exception {
        GatewayConfig cfg = config(dataDir, serverName, dot);
        return PhoneProfile.of(cfg, PhoneTargets.dot(cfg.listen().dot(), v6 -> List.of()));
    }

    @Test
    void parsesWithTheDocumentedFieldsAndTypes() throws Exception {
        Path dataDir = tmp.resolve("data");
        PhoneProfile phone = phone(dataDir, "dns.home.arpa", "127.0.0.1:853", "[::1]:853");
        Path file = phone.write(dataDir);
        assertThat(file).isEqualTo(dataDir.resolve("dotgate.mobileconfig"));
        assertThat(dataDir.resolve("ca.pem")).as("the CA is created when missing").exists();
        byte[] bytes = Files.readAllBytes(file);
        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .contains("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\"");

        NSDictionary top = (NSDictionary) PropertyListParser.parse(bytes);
        assertThat(string(top, "PayloadType")).isEqualTo("Configuration");
        assertThat(integer(top, "PayloadVersion")).isEqualTo(1);
        assertThat(string(top, "PayloadIdentifier")).isEqualTo("dev.dotgate.dns.home.arpa");
        assertThat(string(top, "PayloadUUID")).matches(UUID_FORM);
        assertThat(string(top, "PayloadDisplayName")).contains("dns.home.arpa");
        assertThat(string(top, "PayloadDescription")).isNotBlank();
        assertThat(string(top, "PayloadOrganization")).isEqualTo("dotgate");
        NSObject[] payloads = ((NSArray) top.objectForKey("PayloadContent")).getArray();
        assertThat(payloads).hasSize(2);

        NSDictionary root = (NSDictionary) payloads[0];
        assertThat(string(root, "PayloadType")).isEqualTo("com.apple.security.root");
        assertThat(integer(root, "PayloadVersion")).isEqualTo(1);
        assertThat(string(root, "PayloadIdentifier")).isEqualTo("dev.dotgate.dns.home.arpa.ca");
        assertThat(string(root, "PayloadUUID")).matches(UUID_FORM);
        assertThat(string(root, "PayloadDisplayName")).isEqualTo("dotgate local CA");
        assertThat(string(root, "PayloadCertificateFileName")).isEqualTo("dotgate-ca.cer");
        byte[] der = ((NSData) root.objectForKey("PayloadContent")).bytes();
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        X509Certificate ca = Pem.readCertificates(dataDir.resolve("ca.pem")).get(0);
        assertThat(parsed).isEqualTo(ca);
        assertThat(parsed.getBasicConstraints()).as("a CA certificate").isGreaterThanOrEqualTo(0);

        NSDictionary dns = (NSDictionary) payloads[1];
        assertThat(string(dns, "PayloadType")).isEqualTo("com.apple.dnsSettings.managed");
        assertThat(integer(dns, "PayloadVersion")).isEqualTo(1);
        assertThat(string(dns, "PayloadIdentifier")).isEqualTo("dev.dotgate.dns.home.arpa.dns");
        assertThat(string(dns, "PayloadUUID")).matches(UUID_FORM);
        assertThat(string(dns, "PayloadDisplayName")).isEqualTo("Encrypted DNS via dns.home.arpa");
        NSNumber prohibit = (NSNumber) dns.objectForKey("ProhibitDisablement");
        assertThat(prohibit.type()).isEqualTo(NSNumber.BOOLEAN);
        assertThat(prohibit.boolValue()).isFalse();
        NSDictionary settings = (NSDictionary) dns.objectForKey("DNSSettings");
        assertThat(string(settings, "DNSProtocol")).isEqualTo("TLS");
        assertThat(string(settings, "ServerName")).isEqualTo("dns.home.arpa");
        NSObject[] addresses = ((NSArray) settings.objectForKey("ServerAddresses")).getArray();
        assertThat(addresses).extracting(o -> ((NSString) o).getContent()).containsExactly("127.0.0.1", "::1");

        assertThat(List.of(string(top, "PayloadUUID"), string(root, "PayloadUUID"), string(dns, "PayloadUUID")))
                .doesNotHaveDuplicates();
        assertThat(phone.warnings()).as("loopback listeners are flagged").anyMatch(w -> w.contains("loopback"));
    }

    @Test
    void pythonPlistlibReadsTheSameProfile() throws Exception {
        assumeTrue(Proc.run(10, "sh", "-c", "command -v python3").exit() == 0, "python3 is not installed");
        Path dataDir = tmp.resolve("data");
        Path file = phone(dataDir, "dns.home.arpa", "127.0.0.1:853").write(dataDir);
        String script = """
                import json, plistlib, sys, base64
                with open(sys.argv[1], 'rb') as f:
                    p = plistlib.load(f, fmt=plistlib.FMT_XML)
                def conv(v):
                    if isinstance(v, bytes): return {'data': base64.b64encode(v).decode()}
                    if isinstance(v, bool): return {'bool': v}
                    if isinstance(v, int): return {'int': v}
                    if isinstance(v, dict): return {k: conv(x) for k, x in v.items()}
                    if isinstance(v, list): return [conv(x) for x in v]
                    return v
                print(json.dumps(conv(p)))
                """;
        Proc.Result r = Proc.run(30, "python3", "-c", script, file.toString());
        assertThat(r.exit()).as(r.out()).isZero();
        JsonNode top = new ObjectMapper().readTree(r.out());
        assertThat(top.get("PayloadType").asText()).isEqualTo("Configuration");
        assertThat(top.get("PayloadVersion").get("int").asInt()).isEqualTo(1);
        JsonNode root = top.get("PayloadContent").get(0);
        assertThat(root.get("PayloadType").asText()).isEqualTo("com.apple.security.root");
        byte[] der = Base64.getDecoder().decode(root.get("PayloadContent").get("data").asText());
        assertThat(der).isEqualTo(Pem.readCertificates(dataDir.resolve("ca.pem")).get(0).getEncoded());
        JsonNode dns = top.get("PayloadContent").get(1);
        assertThat(dns.get("ProhibitDisablement").get("bool").asBoolean()).isFalse();
        assertThat(dns.get("DNSSettings").get("DNSProtocol").asText()).isEqualTo("TLS");
        assertThat(dns.get("DNSSettings").get("ServerName").asText()).isEqualTo("dns.home.arpa");
        assertThat(dns.get("DNSSettings").get("ServerAddresses").get(0).asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void textIsEscapedAndControlCharactersRefused() throws Exception {
        String tricky = "a <b> & \"c\" 'd' ]]> é ✓";
        byte[] xml = PlistWriter.write(Map.of("k<&>", List.of(tricky, 7L, true, new byte[] {0, (byte) 255})));
        NSDictionary d = (NSDictionary) PropertyListParser.parse(xml);
        NSObject[] items = ((NSArray) d.objectForKey("k<&>")).getArray();
        assertThat(((NSString) items[0]).getContent()).isEqualTo(tricky);
        assertThat(((NSNumber) items[1]).longValue()).isEqualTo(7L);
        assertThat(((NSNumber) items[2]).boolValue()).isTrue();
        assertThat(((NSData) items[3]).bytes()).containsExactly(0, 255);
        if (Proc.run(10, "sh", "-c", "command -v python3").exit() == 0) {
            Path f = Files.write(tmp.resolve("t.plist"), xml);
            Proc.Result r = Proc.run(30, "python3", "-c",
                    "import plistlib,sys; print(plistlib.load(open(sys.argv[1],'rb'))['k<&>'][0])", f.toString());
            assertThat(r.out().strip()).isEqualTo(tricky);
        }
        assertThatThrownBy(() -> PlistWriter.write(Map.of("k", "bell\u0007")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+0007");
    }

    @Test
    void uuidsAreStablePerDataDirAndContent() throws Exception {
        Path dataDir = tmp.resolve("data");
        byte[] first = phone(dataDir, "dns.home.arpa", "127.0.0.1:853").profile().toBytes();
        byte[] again = phone(dataDir, "dns.home.arpa", "127.0.0.1:853").profile().toBytes();
        assertThat(again).isEqualTo(first);
        NSDictionary a = (NSDictionary) PropertyListParser.parse(first);
        NSDictionary moved = (NSDictionary) PropertyListParser.parse(
                phone(dataDir, "dns.home.arpa", "127.0.0.2:853").profile().toBytes());
        assertThat(string(moved, "PayloadUUID")).isNotEqualTo(string(a, "PayloadUUID"));
        assertThat(string(moved, "PayloadIdentifier")).isEqualTo(string(a, "PayloadIdentifier"));
    }

    @Test
    void warnsWhenTheCertificateDoesNotNameTheServer() throws Exception {
        Path dataDir = tmp.resolve("data");
        dev.dotgate.tls.ServerIdentity.generated(dataDir, "dns.home.arpa");
        PhoneProfile phone = phone(dataDir, "other.home.arpa", "127.0.0.1:853");
        assertThat(phone.warnings()).anyMatch(w -> w.contains("does not name 'other.home.arpa'")
                && w.contains("dns.home.arpa") && w.contains("--server-name"));
        assertThat(phone(dataDir, "dns.home.arpa", "127.0.0.1:853").warnings())
                .noneMatch(w -> w.contains("does not name"));
    }

    @Test
    void wildcardListenersUseTheLanAddressesAndOtherPortsAreFlagged() throws Exception {
        GatewayConfig cfg = config(tmp, "dns.home.arpa", "0.0.0.0:8853");
        InetAddress lan = InetAddress.getByName("192.0.2.7");
        PhoneTargets t = PhoneTargets.dot(cfg.listen().dot(), v6 -> List.of(lan));
        assertThat(t.addresses()).containsExactly(lan);
        assertThat(t.warnings()).singleElement().asString().contains("0.0.0.0:8853").contains("port 853");
        assertThatThrownBy(() -> PhoneTargets.dot(cfg.listen().dot(), v6 -> List.of()))
                .hasMessageContaining("no LAN address");
        assertThatThrownBy(() -> PhoneTargets.dot(List.of(), v6 -> List.of(lan)))
                .hasMessageContaining("listen.dot");
    }

    @Test
    void dohProfileNamesItsUrlWithAnyPortAndNoServerName() throws Exception {
        Path dataDir = tmp.resolve("data");
        GatewayConfig cfg = ConfigLoader.load(null, ConfigLoader.Overrides.none().set("listen.dot", List.of("127.0.0.1:853"))
                .set("data_dir", dataDir).set("server_name", "dns.home.arpa")
                .set("listen.doh", List.of("127.0.0.1:8443", "127.0.0.2:9443", "0.0.0.0:8443")));
        InetAddress lan = InetAddress.getByName("192.0.2.7");
        PhoneTargets t = PhoneTargets.doh(cfg.listen().doh(), v6 -> List.of(lan));
        assertThat(t.transport()).isEqualTo(dev.dotgate.resolve.Transport.DOH);
        assertThat(t.port()).isEqualTo(8443);
        assertThat(t.addresses()).as("the other port's listener is left out")
                .containsExactly(InetAddress.getByName("127.0.0.1"), lan);
        assertThat(t.warnings()).anyMatch(w -> w.contains("127.0.0.2:9443") && w.contains("left out"))
                .anyMatch(w -> w.contains("127.0.0.1:8443") && w.contains("loopback"))
                .noneMatch(w -> w.contains("port 853"));

        PhoneProfile phone = PhoneProfile.of(cfg, t);
        NSDictionary top = (NSDictionary) PropertyListParser.parse(phone.profile().toBytes());
        assertThat(string(top, "PayloadDescription")).contains("DNS-over-HTTPS");
        NSDictionary dns = (NSDictionary) ((NSArray) top.objectForKey("PayloadContent")).getArray()[1];
        assertThat(string(dns, "PayloadType")).isEqualTo("com.apple.dnsSettings.managed");
        NSDictionary settings = (NSDictionary) dns.objectForKey("DNSSettings");
        assertThat(string(settings, "DNSProtocol")).isEqualTo("HTTPS");
        assertThat(string(settings, "ServerURL")).isEqualTo("https://dns.home.arpa:8443/dns-query");
        assertThat(settings.objectForKey("ServerName")).as("ServerName is for DNS-over-TLS only").isNull();
        assertThat(((NSArray) settings.objectForKey("ServerAddresses")).getArray())
                .extracting(o -> ((NSString) o).getContent()).containsExactly("127.0.0.1", "192.0.2.7");

        NSDictionary dot = (NSDictionary) PropertyListParser.parse(PhoneProfile.of(cfg,
                PhoneTargets.dot(List.of(new java.net.InetSocketAddress("127.0.0.1", 853)), v6 -> List.of()))
                .profile().toBytes());
        assertThat(string(dot, "PayloadUUID")).as("DoH and DoT profiles are different profiles")
                .isNotEqualTo(string(top, "PayloadUUID"));

        MobileConfig on443 = new MobileConfig("dns.home.arpa", dev.dotgate.resolve.Transport.DOH, 443,
                List.of(lan), null, "seed");
        assertThat(on443.serverUrl()).isEqualTo("https://dns.home.arpa/dns-query");
        assertThatThrownBy(() -> PhoneTargets.doh(List.of(), v6 -> List.of(lan))).hasMessageContaining("listen.doh")
                .hasMessageContaining("--doh");
        assertThatThrownBy(() -> PhoneTargets.doh(List.of(new java.net.InetSocketAddress("0.0.0.0", 0)),
                v6 -> List.of(lan))).hasMessageContaining("0.0.0.0:0 has port 0").hasMessageContaining("--doh-listen");
    }

    private static String string(NSDictionary d, String key) {
        NSObject o = d.objectForKey(key);
        assertThat(o).as(key).isInstanceOf(NSString.class);
        return ((NSString) o).getContent();
    }

    private static int integer(NSDictionary d, String key) {
        NSObject o = d.objectForKey(key);
        assertThat(o).as(key).isInstanceOf(NSNumber.class);
        assertThat(((NSNumber) o).type()).as(key + " is an integer").isEqualTo(NSNumber.INTEGER);
        return ((NSNumber) o).intValue();
    }
}
