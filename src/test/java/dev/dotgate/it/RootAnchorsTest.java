package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.DnssecOptions;
import dev.dotgate.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;

/**
 * The root trust anchors kept in the data directory (RFC 5011): seeded from the built-in KSK-2017 and KSK-2024 on
 * first start, and, once the file names a root (here the signed test root), refreshed: a new key-signing key the
 * root publishes is written down as AddPend, its hold-down started.
 */
class RootAnchorsTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    /** The first refresh 200 ms after start instead of 10 s ({@code dnssec.anchor_refresh_delay} is internal). */
    static GatewayConfig refreshSoon(GatewayConfig c) {
        DnssecOptions d = c.dnssec();
        return new GatewayConfig(c.listen(), c.upstream(), c.serverName(), c.dataDir(), c.logLevel(), c.threads(),
                c.policy(), c.forwards(), c.cache(), c.observe(), c.limits(), new DnssecOptions(d.mode(),
                        d.trustAnchors(), d.negativeTrustAnchors(), d.clockSkew(), d.nsec3MaxIterations(),
                        Duration.ofMillis(200)), c.user(), c.allowRoot());
    }

    @Test
    void aFreshDataDirectoryIsSeededWithTheBuiltInRootKeys() throws Exception {
        Path dir = servers.dir("fresh");
        try (GatewayFixture gw = servers.gateway(b -> b.dir(dir).toml("[dnssec]\nmode = \"validate\"\n"))) {
            Path file = dir.resolve("data/dnssec/root-anchors");
            assertThat(file).exists();
            String text = Files.readString(file);
            assertThat(text).containsPattern("(?m)^Valid \\S+ \\S+ 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E88"
                    + "0409BBC683457104237C7F8EC8D$").containsPattern("(?m)^Valid \\S+ \\S+ 38696 8 2 ");
        }
    }

    @Test
    void aKeyTheRootPublishesIsWrittenDownAsPending() throws Exception {
        SignedZones.assumeTools();
        SignedZones zones = servers.closeAfter(new SignedZones(servers.dir("signed")));
        DNSKEYRecord ksk;
        try (Master m = new Master(zones.trustAnchorFile().toString(), Name.root)) {
            ksk = (DNSKEYRecord) m.nextRecord();
        }
        Path dir = servers.dir("gw");
        Path file = Files.createDirectories(dir.resolve("data/dnssec")).resolve("root-anchors");
        Instant then = Instant.now().minus(Duration.ofDays(400));
        Files.writeString(file, "Valid " + then + " " + then + " "
                + new DSRecord(Name.root, DClass.IN, 300, DNSSEC.Digest.SHA256, ksk).rdataToString() + "\n");
        try (GatewayFixture gw = servers.gateway(b -> b.dir(dir).upstreams(zones.caFile(), zones.resolverTlsUri())
                .toml("[dnssec]\nmode = \"validate\"\n").tweak(RootAnchorsTest::refreshSoon))) {
            org.xbill.DNS.Message q = DnsClient.query("www.secure.", org.xbill.DNS.Type.A, 9);
            q.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0, org.xbill.DNS.ExtendedFlags.DO),
                    org.xbill.DNS.Section.ADDITIONAL);
            Message m = DnsClient.udp(gw.udp(), q, 5000);
            assertThat(m.getHeader().getFlag(Flags.AD)).as("validated against the anchor in the data directory:%n%s",
                    m).isTrue();
            Eventually.until(() -> Files.readString(file).contains("AddPend"), Duration.ofSeconds(10),
                    "the standby key written down");
            assertThat(Files.readString(file)).containsPattern("(?m)^Valid \\S+ \\S+ " + ksk.getFootprint() + " 13 2 ")
                    .containsPattern("(?m)^AddPend \\S+ \\S+ " + zones.standbyKskTag() + " 13 2 ");
        }
    }
}
