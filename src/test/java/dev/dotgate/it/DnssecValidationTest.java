package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * dotgate as a validating forwarder ({@code dnssec.mode = "validate"}, the default) over a signed hierarchy on
 * loopback ({@link SignedZones}: NSD serving a test root and its children, an iterator-only Unbound as the
 * upstream), its verdicts compared with delv's on the same names; bogus answers carry the fitting Extended DNS
 * Error; CD=1 bypasses validation; a validated answer is cached with its verdict.
 */
class DnssecValidationTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    static final List<TestName> names = TestName.ALL;

    private static SignedZones zones;
    private static Delv delv;
    private static GatewayFixture gateway;
    private static Path events;

    @BeforeAll
    static void start() throws Exception {
        SignedZones.assumeTools("delv");
        zones = servers.closeAfter(new SignedZones(servers.dir("signed")));
        delv = Delv.of(zones);
        Path dir = servers.dir("gw");
        events = dir.resolve("events.jsonl");
        gateway = servers.closeAfter(validating(dir, "events.sink = \"" + events + "\"\n", ""));
    }

    /** A validating gateway over the signed hierarchy's resolver (DoT), trusting its root's key. */
    static GatewayFixture validating(Path dir, String topLevel, String dnssec) throws Exception {
        return GatewayFixture.builder().dir(dir).upstreams(zones.caFile(), zones.resolverTlsUri())
                .toml(topLevel + anchored(dnssec)).start();
    }

    /** A {@code [dnssec]} table validating against the test root's key, with {@code more} keys. */
    static String anchored(String more) {
        return "[dnssec]\nmode = \"validate\"\ntrust_anchors = [\"" + zones.trustAnchorFile() + "\"]\n" + more;
    }

    /** A validating gateway whose one upstream is {@code relay} (plain UDP) in front of the test resolver. */
    static GatewayFixture validatingThrough(DelayProxy relay, String dir, String timeout) throws Exception {
        return GatewayFixture.builder().dir(servers.dir(dir)).upstreams(null, "udp://127.0.0.1:" + relay.port())
                .timeout(timeout).toml(anchored("")).start();
    }

    static Message ask(GatewayFixture gw, String name, String type, boolean dnssecOk, boolean cd) throws Exception {
        Message q = DnsClient.query(name, Type.value(type), 4242);
        q.addRecord(new OPTRecord(1232, 0, 0, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
        if (cd) {
            q.getHeader().setFlag(Flags.CD);
        }
        Message m = DnsClient.udp(gw.udp(), q, 5000);
        assertThat(m).as("answer to %s %s", name, type).isNotNull();
        return m;
    }

    static Verdict verdict(Message m) {
        if (m.getRcode() == Rcode.SERVFAIL) {
            return Verdict.BOGUS;
        }
        return m.getHeader().getFlag(Flags.AD) ? Verdict.SECURE : Verdict.INSECURE;
    }

    static int ede(Message m) {
        OPTRecord opt = m.getOPT();
        if (opt == null) {
            return -1;
        }
        for (EDNSOption o : opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
            return ((ExtendedErrorCodeOption) o).getErrorCode();
        }
        return -1;
    }

    @ParameterizedTest
    @FieldSource("names")
    void verdictMatchesDelvs(TestName name) throws Exception {
        Message m = ask(gateway, name.name(), name.type(), true, false);
        Delv.Result independent = delv.query(name);
        assertThat(verdict(m)).as("dotgate on %s:%n%s%ndelv:%n%s", name, m, independent.output())
                .isEqualTo(independent.verdict()).isEqualTo(name.expected());
        if (name.expected() != Verdict.BOGUS) {
            int rcode = name.answer() == TestName.Answer.NXDOMAIN ? Rcode.NXDOMAIN : Rcode.NOERROR;
            assertThat(m.getRcode()).as("%s", m).isEqualTo(rcode);
        }
    }

    @Test
    void aSecureAnswerHasAdAndItsSignatures() throws Exception {
        Message m = ask(gateway, "www.secure.", "A", true, false);
        assertThat(m.getHeader().getFlag(Flags.AD)).as("%s", m).isTrue();
        assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType).contains(Type.A, Type.RRSIG);
        Message plain = ask(gateway, "www.secure.", "A", false, false);
        assertThat(plain.getSection(Section.ANSWER)).as("no DO: no RRSIG").extracting(Record::getType)
                .containsOnly(Type.A);
    }

    @Test
    void nxdomainIsProvenWithNsecAndWithNsec3() throws Exception {
        Message nsec = ask(gateway, "nx.secure.", "A", true, false);
        assertThat(nsec.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nsec.getHeader().getFlag(Flags.AD)).as("%s", nsec).isTrue();
        assertThat(nsec.getSection(Section.AUTHORITY)).extracting(Record::getType).contains(Type.NSEC);
        Message nsec3 = ask(gateway, "nx.nsec3.", "A", true, false);
        assertThat(nsec3.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nsec3.getHeader().getFlag(Flags.AD)).as("%s", nsec3).isTrue();
        assertThat(nsec3.getSection(Section.AUTHORITY)).extracting(Record::getType).contains(Type.NSEC3);
    }

    @Test
    void aBrokenSignatureIsServfailWithEde6() throws Exception {
        Message m = ask(gateway, "www.bogus.", "A", true, false);
        assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ede(m)).as("%s", m).isEqualTo(6);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        Proc.Result dig = Proc.run(15, "dig", "+dnssec", "+tries=1", "+time=5", "@127.0.0.1", "-p",
                Integer.toString(gateway.udpPort()), "www.bogus.", "A");
        assertThat(dig.out()).contains("status: SERVFAIL").contains("; EDE: 6 (DNSSEC Bogus)");
        Proc.Result kdig = Proc.run(15, "kdig", "+dnssec", "+retry=0", "+time=5", "@127.0.0.1", "-p",
                Integer.toString(gateway.udpPort()), "www.bogus.", "A");
        assertThat(kdig.out()).contains("SERVFAIL").contains("EDE: 6 (DNSSEC Bogus)");
    }

    @Test
    void expiredAndNotYetValidSignaturesGiveEde7And8() throws Exception {
        Message expired = ask(gateway, "www.expired.", "A", true, false);
        assertThat(expired.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ede(expired)).as("%s", expired).isEqualTo(7);
        Message future = ask(gateway, "www.future.", "A", true, false);
        assertThat(future.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ede(future)).as("%s", future).isEqualTo(8);
        Proc.Result dig = Proc.run(15, "dig", "+tries=1", "+time=5", "@127.0.0.1", "-p",
                Integer.toString(gateway.udpPort()), "www.expired.", "A");
        assertThat(dig.out()).contains("status: SERVFAIL").contains("; EDE: 7 (Signature Expired)");
    }

    @Test
    void aSignatureStartingWithinTheClockSkewCounts() throws Exception {
        Message within = ask(gateway, TestName.NEARFUTURE.name(), "A", true, false);
        assertThat(verdict(within)).as("default 1h skew, signed %s ahead:%n%s", SignedZones.NEARFUTURE_LEAD,
                within).isEqualTo(Verdict.SECURE);
        try (GatewayFixture strict = validating(servers.dir("strict"), "", "clock_skew = \"0s\"\n")) {
            Message m = ask(strict, TestName.NEARFUTURE.name(), "A", true, false);
            assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(ede(m)).as("%s", m).isEqualTo(8);
        }
    }

    @Test
    void anUnsignedDelegationIsAnsweredWithoutAd() throws Exception {
        double insecure = validations("insecure");
        Message nodata = ask(gateway, "www.unsigned.", "AAAA", true, false); // a question no other test asks
        assertThat(nodata.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(validations("insecure")).as("judged insecure by the validator, not passed on unchecked")
                .isEqualTo(insecure + 1);
        Message m = ask(gateway, "www.unsigned.", "A", true, false);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType).contains(Type.A);
    }

    @Test
    void checkingDisabledBypassesValidation() throws Exception {
        assertThat(ask(gateway, "www.bogus.", "A", true, false).getRcode()).as("validated").isEqualTo(Rcode.SERVFAIL);
        Message m = ask(gateway, "www.bogus.", "A", true, true);
        assertThat(m.getRcode()).as("%s", m).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(m.getHeader().getFlag(Flags.CD)).isTrue();
        assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType).contains(Type.A);
    }

    @Test
    void aValidatedAnswerIsCachedAndServedAsSecureWithoutValidatingAgain() throws Exception {
        Message first = ask(gateway, "txt.secure.", "TXT", true, false);
        assertThat(first.getHeader().getFlag(Flags.AD)).as("%s", first).isTrue();
        EventLog.awaitData(events, d -> d.path("name").asText().equals("txt.secure.")
                && d.path("decision").asText().equals("forwarded"));
        double validated = validations("secure") + validations("insecure") + validations("bogus");
        assertThat(validated).as("the first answer was validated").isPositive();
        Message again = ask(gateway, "txt.secure.", "TXT", true, false);
        assertThat(again.getHeader().getFlag(Flags.AD)).as("%s", again).isTrue();
        assertThat(again.getSection(Section.ANSWER)).extracting(Record::getType).contains(Type.TXT, Type.RRSIG);
        JsonNode cached = EventLog.awaitData(events, d -> d.path("name").asText().equals("txt.secure.")
                && d.path("decision").asText().equals("cached"));
        assertThat(cached).isNotNull();
        assertThat(validations("secure") + validations("insecure") + validations("bogus"))
                .as("validations after the cache hit").isEqualTo(validated);
    }

    @Test
    void digAndKdigSeeTheAdBitAndTheSignatures() {
        String port = Integer.toString(gateway.udpPort());
        Proc.Result dig = Proc.run(15, "dig", "+dnssec", "+tries=1", "@127.0.0.1", "-p", port, "www.nsec3.", "A");
        assertThat(dig.out()).containsPattern("flags: qr rd ra ad;").containsPattern("www\\.nsec3\\.\\s+\\d+\\s+IN"
                + "\\s+RRSIG\\s+A 13 ");
        Proc.Result kdig = Proc.run(15, "kdig", "+dnssec", "+retry=0", "@127.0.0.1", "-p", port, "www.nsec3.", "A");
        assertThat(kdig.out()).containsPattern("Flags: qr rd ra ad;").containsPattern("www\\.nsec3\\.\\s+\\d+\\s+"
                + "IN\\s+RRSIG\\s+A 13 ");
    }

    @Test
    void theAllowlistDoesNotBreakValidation() throws Exception {
        Path dir = servers.dir("allow");
        Path allow = java.nio.file.Files.writeString(dir.resolve("allow.txt"), "www.secure\n");
        try (GatewayFixture gw = validating(dir, "[policy]\nallowlist = \"" + allow + "\"\n", "")) {
            // The validator's DS and DNSKEY queries for secure. and the root are not the client's: not refused.
            Message m = ask(gw, "www.secure.", "A", true, false);
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(m.getHeader().getFlag(Flags.AD)).as("%s", m).isTrue();
            Message refused = ask(gw, "secure.", "DNSKEY", true, false);
            assertThat(refused.getRcode()).as("the client itself may not ask").isEqualTo(Rcode.REFUSED);
            assertThat(ede(refused)).isEqualTo(18);
        }
    }

    @Test
    void aNegativeTrustAnchorTurnsABogusZoneInsecure() throws Exception {
        try (GatewayFixture gw = validating(servers.dir("nta"), "", "negative_trust_anchors = [\"bogus.\"]\n")) {
            Message m = ask(gw, "www.bogus.", "A", true, false);
            assertThat(m.getRcode()).as("%s", m).isEqualTo(Rcode.NOERROR);
            assertThat(m.getHeader().getFlag(Flags.AD)).isFalse();
            assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType).contains(Type.A);
            assertThat(verdict(ask(gw, "www.secure.", "A", true, false))).as("other zones still validated")
                    .isEqualTo(Verdict.SECURE);
            assertThat(ask(gw, "www.expired.", "A", true, false).getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    @Test
    void offNeitherAsksForNorPassesOnDnssec() throws Exception {
        try (GatewayFixture gw = GatewayFixture.builder().dir(servers.dir("off"))
                .upstreams(zones.caFile(), zones.resolverTlsUri()).toml("[dnssec]\nmode = \"off\"\n").start()) {
            Message m = ask(gw, "www.secure.", "A", true, false);
            assertThat(m.getHeader().getFlag(Flags.AD)).isFalse();
            assertThat(m.getSection(Section.ANSWER)).as("DO not sent upstream").extracting(Record::getType)
                    .containsOnly(Type.A);
            assertThat(ask(gw, "www.bogus.", "A", true, false).getRcode()).isEqualTo(Rcode.NOERROR);
        }
        try (GatewayFixture gw = GatewayFixture.builder().dir(servers.dir("process"))
                .upstreams(zones.caFile(), zones.resolverTlsUri()).toml("[dnssec]\nmode = \"process\"\n").start()) {
            Message m = ask(gw, "www.secure.", "A", true, false);
            assertThat(m.getSection(Section.ANSWER)).as("process: DO passed on").extracting(Record::getType)
                    .contains(Type.A, Type.RRSIG);
            assertThat(ask(gw, "www.bogus.", "A", true, false).getRcode()).as("process: not validated")
                    .isEqualTo(Rcode.NOERROR);
        }
    }

    @Test
    void nsec3ProofsOverTheIterationLimitAreInsecure() throws Exception {
        assertThat(verdict(ask(gateway, "nx.iter.", "TXT", true, false))).as("10 iterations, limit 150")
                .isEqualTo(Verdict.SECURE);
        try (GatewayFixture gw = validating(servers.dir("iter"), "", "nsec3_max_iterations = 5\n")) {
            Message nx = ask(gw, "nx.iter.", "A", true, false);
            assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(nx.getHeader().getFlag(Flags.AD)).as("RFC 9276: insecure, not bogus%n%s", nx).isFalse();
            Message www = ask(gw, "www.iter.", "A", true, false);
            assertThat(verdict(www)).as("a positive answer needs no NSEC3 proof").isEqualTo(Verdict.SECURE);
        }
    }

    @Test
    void aZoneWhoseDsHasOnlyAnUnsupportedDigestIsInsecureWithEde2() throws Exception {
        Message m = ask(gateway, "www.gost.", "A", true, false);
        assertThat(m.getRcode()).as("%s", m).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(ede(m)).as("%s", m).isEqualTo(2);
    }

    @Test
    void queriesWaitingOnTheSameBogusAnswerGetItsServfailAndEde() throws Exception {
        try (DelayProxy slow = new DelayProxy(new java.net.InetSocketAddress("127.0.0.1", zones.resolverPort()), 150);
                GatewayFixture gw = validatingThrough(slow, "coalesce", "3s")) {
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> askQuietly(gw, "www.bogus."));
            Thread.sleep(50); // the first is upstream, held by the relay: the second joins its flight
            Message second = askQuietly(gw, "www.bogus.");
            for (Message m : List.of(first.get(), second)) {
                assertThat(m.getRcode()).as("%s", m).isEqualTo(Rcode.SERVFAIL);
                assertThat(ede(m)).as("%s", m).isEqualTo(6);
            }
            assertThat(gw.gateway.snapshot().caching().coalesced()).isEqualTo(1);
        }
    }

    @Test
    void aNegativeAnswerWhoseChainCannotBeFetchedIsNotPassedOn() throws Exception {
        try (DelayProxy relay = new DelayProxy(new java.net.InetSocketAddress("127.0.0.1", zones.resolverPort()), 300);
                GatewayFixture gw = validatingThrough(relay, "chainless", "500ms")) {
            var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> askQuietly(gw, "nx.nsec3."));
            Thread.sleep(100); // the query is held by the relay; from now on it swallows the chain's lookups
            relay.delay(-1);
            Message m = answer.get();
            assertThat(m.getRcode()).as("an NXDOMAIN nothing proved:%n%s", m).isEqualTo(Rcode.SERVFAIL);
            assertThat(ede(m)).isEqualTo(22);
        }
    }

    /** {@link #ask} for {@code name} A with DO, for another thread. */
    private static Message askQuietly(GatewayFixture gw, String name) {
        try {
            return ask(gw, name, "A", true, false);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers the validator judged {@code verdict}. */
    static double validations(String verdict) {
        return gateway.gateway.metrics().registry().find("dotgate.dnssec.validations").tag("verdict", verdict)
                .functionCounter().count();
    }
}
