package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Every answer the gateway makes up says why with an Extended DNS Error (RFC 8914) when the client sent EDNS:
 * asserted on the bytes (dnsjava reads them) and as dig prints them; events and metrics carry the code; an
 * upstream's own extended error is passed on.
 */
class ExtendedErrorsTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    private static Path dir;
    private static Path blocklist;

    @BeforeAll
    static void files() throws Exception {
        dir = servers.dir("ede");
        blocklist = Files.writeString(dir.resolve("ads.txt"), "ads.test\n");
    }

    static Message ask(GatewayFixture gw, String name, int type, boolean edns) throws Exception {
        Message q = DnsClient.query(name, type, 7);
        if (edns) {
            q.addRecord(new OPTRecord(1232, 0, 0, 0), Section.ADDITIONAL);
        }
        Message m = DnsClient.udp(gw.udp(), q, 5000);
        assertThat(m).as("answer to %s", name).isNotNull();
        return m;
    }

    static ExtendedErrorCodeOption ede(Message m) {
        OPTRecord opt = m.getOPT();
        assertThat(opt).as("an OPT record in%n%s", m).isNotNull();
        var all = opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR);
        assertThat(all).as("one extended error in%n%s", m).hasSize(1);
        return (ExtendedErrorCodeOption) all.get(0);
    }

    static String dig(GatewayFixture gw, String... args) {
        String[] cmd = new String[5 + args.length];
        cmd[0] = "dig";
        cmd[1] = "+tries=1";
        cmd[2] = "@127.0.0.1";
        cmd[3] = "-p";
        cmd[4] = Integer.toString(gw.udpPort());
        System.arraycopy(args, 0, cmd, 5, args.length);
        return Proc.run(15, cmd).out();
    }

    static double counted(GatewayFixture gw, String code, String decision) {
        var c = gw.gateway.metrics().registry().find("dotgate.extended.errors").tags("code", code, "decision",
                decision).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aBlockedNameIsEde15WithTheListsNameInEventsAndMetrics() throws Exception {
        Path events = dir.resolve("blocked.jsonl");
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[events]\nsink = \"" + events + "\"\n[policy]\n"
                + "blocklists = [\"" + blocklist + "\"]\n"))) {
            Message m = ask(gw, "ads.test", Type.A, true);
            assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(ede(m).getErrorCode()).isEqualTo(15);
            assertThat(ede(m).getText()).isEqualTo(blocklist.toString());
            assertThat(dig(gw, "ads.test")).contains("; EDE: 15 (Blocked): (" + blocklist + ")");
            assertThat(ask(gw, "ads.test", Type.A, false).getOPT()).as("no EDNS asked, none given").isNull();
            JsonNode e = EventLog.awaitData(events, d -> d.path("decision").asText().equals("blocked"));
            assertThat(e.path("ede").asInt()).isEqualTo(15);
            assertThat(e.path("ede_name").asText()).isEqualTo("Blocked");
            assertThat(counted(gw, "15", "blocked")).isEqualTo(2); // the client without EDNS got none
        }
    }

    @Test
    void theListsNameStaysOutWhenEdeTextIsOff() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[policy]\nblock_mode = \"null\"\nede_text = false\n"
                + "blocklists = [\"" + blocklist + "\"]\n"))) {
            Message m = ask(gw, "ads.test", Type.A, true);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(ede(m).getErrorCode()).isEqualTo(15);
            assertThat(ede(m).getText()).isNull();
            assertThat(dig(gw, "ads.test")).contains("; EDE: 15 (Blocked)").doesNotContain(blocklist.toString());
        }
    }

    @Test
    void theAllowlistAndTheAccessListRefuseWithEde18() throws Exception {
        Path allow = Files.writeString(dir.resolve("allow.txt"), "a.test\n");
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[policy]\nallowlist = \"" + allow + "\"\n"))) {
            Message m = ask(gw, "other.test", Type.A, true);
            assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(ede(m).getErrorCode()).isEqualTo(18);
            assertThat(dig(gw, "other.test")).contains("status: REFUSED").contains("; EDE: 18 (Prohibited)");
            assertThat(ask(gw, "a.test", Type.A, true).getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR))
                    .isEmpty();
        }
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[acl.plain]\ndeny = [\"127.0.0.1/32\"]\n"))) {
            Message m = ask(gw, "a.test", Type.A, true);
            assertThat(m.getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(ede(m).getErrorCode()).isEqualTo(18);
            assertThat(counted(gw, "18", "refused_acl")).isEqualTo(1);
        }
    }

    @Test
    void noReachableUpstreamIsEde22() throws Exception {
        int dead = Ports.free();
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, "udp://127.0.0.1:" + dead).timeout("500ms"))) {
            Message m = ask(gw, "a.test", Type.A, true);
            assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(ede(m).getErrorCode()).isEqualTo(22);
            assertThat(dig(gw, "+time=3", "b.test")).contains("status: SERVFAIL")
                    .contains("; EDE: 22 (No Reachable Authority)");
        }
    }

    @Test
    void staleAnswersAreEde3AndStaleNxdomainEde19() throws Exception {
        ManualTicker clock = new ManualTicker();
        Unbound own = servers.ownUnbound();
        try (GatewayFixture gw = servers.gateway(b -> b.upstream(own).timeout("1s").cacheTicker(clock))) {
            assertThat(ask(gw, "two.test", Type.A, true).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(ask(gw, "missing-stale.test", Type.A, true).getRcode()).isEqualTo(Rcode.NXDOMAIN);
            own.kill();
            clock.advanceMillis(61_000);
            Message stale = ask(gw, "two.test", Type.A, true);
            assertThat(stale.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(ede(stale).getErrorCode()).isEqualTo(3);
            Message staleNx = ask(gw, "missing-stale.test", Type.A, true);
            assertThat(staleNx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(ede(staleNx).getErrorCode()).isEqualTo(19);
            assertThat(dig(gw, "+time=3", "two.test")).contains("; EDE: 3 (Stale Answer)");
            assertThat(counted(gw, "19", "stale")).isEqualTo(1);
        }
    }

    @Test
    void anAnswerHeldBackByRateLimitingGoesOutTruncatedWithEde0() throws Exception {
        String toml = "[limits]\nexempt = []\nquery_rate = 0\nrrl_rate = 1\nrrl_slip = 1\n[policy]\n"
                + "local = [\"r.ede.test A 192.0.2.7\"]\n";
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            // One answer a second, every one over it slipped: within a few queries in a row one is held back, and
            // which one depends on where the second turns.
            Message slipped = null;
            for (int i = 0; i < 5 && slipped == null; i++) {
                Message m = ask(gw, "r.ede.test", Type.A, true);
                if (m.getHeader().getFlag(org.xbill.DNS.Flags.TC)) {
                    slipped = m;
                } else {
                    assertThat(m.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)).isEmpty();
                }
            }
            assertThat(slipped).as("a truncated reply among five queries at one answer a second").isNotNull();
            assertThat(slipped.getSection(Section.ANSWER)).isEmpty();
            assertThat(ede(slipped).getErrorCode()).isEqualTo(0);
            assertThat(ede(slipped).getText()).isEqualTo("rate limited");
            String shown = "";
            for (int i = 0; i < 5 && !shown.contains(" tc "); i++) {
                shown = dig(gw, "+ignore", "r.ede.test");
            }
            assertThat(shown).containsPattern("flags: qr aa tc rd ra;").contains("; EDE: 0 (Other): (rate limited)");
        }
    }

    @Test
    void anUpstreamsExtendedErrorIsPassedOn() throws Exception {
        SignedZones.assumeTools();
        SignedZones validating = servers.closeAfter(new SignedZones(servers.dir("validating"), true));
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(validating.caFile(), validating.resolverTlsUri())
                .toml("[dnssec]\nmode = \"process\"\n"))) {
            Message m = ask(gw, "www.bogus.", Type.A, true);
            assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(ede(m).getErrorCode()).as("Unbound's verdict, passed on").isEqualTo(6);
            assertThat(counted(gw, "6", "forwarded")).isEqualTo(1);
        }
    }
}
