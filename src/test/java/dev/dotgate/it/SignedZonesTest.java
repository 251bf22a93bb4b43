package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * {@link SignedZones} gives the verdicts {@link TestName} promises, as judged by delv (an independent validator),
 * and its resolver passes the DNSSEC records on, over plain DNS and DNS-over-TLS. Skipped without nsd or the
 * bind9-utils signing tools.
 */
class SignedZonesTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    static final List<TestName> names = TestName.ALL;

    private static SignedZones zones;
    private static Delv delv;

    @BeforeAll
    static void start() throws Exception {
        SignedZones.assumeTools();
        zones = servers.closeAfter(new SignedZones(servers.dir("signed")));
        delv = Delv.of(zones);
    }

    @ParameterizedTest
    @FieldSource("names")
    void delvReachesTheExpectedVerdict(TestName name) {
        Delv.Result r = delv.query(name);
        assertThat(r.verdict()).as("delv on %s:%n%s", name, r.output()).isEqualTo(name.expected());
    }

    @Test
    void nearfutureIsBogusForDelvWhichAllowsNoClockSkew() {
        Delv.Result r = delv.query(TestName.NEARFUTURE);
        assertThat(r.verdict()).as("delv on %s:%n%s", TestName.NEARFUTURE, r.output())
                .isEqualTo(TestName.NEARFUTURE.expected());
        assertThat(r.output()).contains("RRSIG validity period has not begun");
    }

    @Test
    void theResolverPassesSignaturesAndNsec3ProofsOn() {
        Proc.Result www = dig("+dnssec", "www.secure.", "A");
        assertThat(www.out()).contains("status: NOERROR").containsPattern("www\\.secure\\.\\s+\\d+\\s+IN\\s+A\\s+"
                + "192\\.0\\.2\\.10").containsPattern("www\\.secure\\.\\s+\\d+\\s+IN\\s+RRSIG\\s+A 13 ");
        Proc.Result nx = dig("+dnssec", "nx.nsec3.", "A");
        assertThat(nx.out()).contains("status: NXDOMAIN");
        String authority = nx.out().substring(nx.out().indexOf(";; AUTHORITY SECTION:"));
        assertThat(authority).as(nx.out()).containsPattern("\\sIN\\s+NSEC3\\s+1 0 0 - ")
                .containsPattern("\\sIN\\s+RRSIG\\s+NSEC3 ");
    }

    @Test
    void theResolverAnswersOverTls() {
        Proc.Result r = Proc.run(10, "kdig", "@" + zones.resolverAddress(), "-p", "" + zones.resolverTlsPort(),
                "+tls-ca=" + zones.caFile(), "+tls-hostname=" + Unbound.AUTH_NAME, "www.nsec3.", "A");
        assertThat(r.out()).contains("NOERROR").contains("192.0.2.11");
    }

    @Test
    void delvGivesNoVerdictWhenTheResolverIsDown() {
        Delv toNowhere = new Delv("127.0.0.1", Ports.free(), zones.delvAnchorFile(), 20);
        assertThatThrownBy(() -> toNowhere.query("www.secure.", "A")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("delv gave no verdict").hasMessageContaining("resolution failed: failure");
    }

    private static Proc.Result dig(String... args) {
        List<String> cmd = new ArrayList<>(List.of("dig", "@" + zones.resolverAddress(), "-p",
                "" + zones.resolverPort(), "+tries=1"));
        cmd.addAll(List.of(args));
        return Proc.run(10, cmd.toArray(String[]::new));
    }
}
