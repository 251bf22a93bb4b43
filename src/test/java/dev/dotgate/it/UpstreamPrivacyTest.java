package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.RecordingResponder.Mode;
import dev.dotgate.it.RecordingResponder.Seen;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What of a client's query reaches a udp:// upstream, seen by a recording responder on loopback with real clients
 * (kdig, dig): no DNS Cookie ever, the Client Subnet only with {@code ?ecs=forward} (and then answers are cached
 * per subnet), and the gateway's EDNS UDP payload size instead of the client's.
 */
class UpstreamPrivacyTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    private static Seen last(RecordingResponder r, String name) {
        List<Seen> seen = r.seen().stream().filter(s -> s.nameText().equalsIgnoreCase(name)).toList();
        assertThat(seen).as("queries upstream for " + name).isNotEmpty();
        return seen.get(seen.size() - 1);
    }

    private static Proc.Result kdig(GatewayFixture gw, String name, String subnet) {
        Proc.Result r = Proc.run(10, "kdig", "@127.0.0.1", "-p", "" + gw.udpPort(), name, "A", "+subnet=" + subnet,
                "+cookie", "+retry=0", "+timeout=5");
        assertThat(r.out()).as(name).contains("NOERROR").contains("192.0.2.1");
        return r;
    }

    @Test
    void clientSubnetAndCookieAreStrippedByDefault() throws Exception {
        try (RecordingResponder upstream = new RecordingResponder(n -> Mode.ECHO);
                GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("")))) {
            kdig(gw, "private.example", "192.0.2.0/24");
            Seen s = last(upstream, "private.example.");
            assertThat(s.optClass()).as("an OPT record still goes up").isPositive();
            assertThat(s.optionCodes()).as("no subnet (8), no cookie (10)").doesNotContain(8, 10);
            assertThat(s.subnet()).isNull();
        }
    }

    @Test
    void withEcsForwardTheSubnetGoesUpTheCookieStillNotAndAnswersAreCachedPerSubnet() throws Exception {
        try (RecordingResponder upstream = new RecordingResponder(n -> Mode.ECHO);
                GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("?ecs=forward")))) {
            kdig(gw, "tailored.example", "192.0.2.0/24");
            Seen s = last(upstream, "tailored.example.");
            assertThat(s.subnet()).isEqualTo("192.0.2.0/24");
            assertThat(s.optionCodes()).contains(8).doesNotContain(10);
            kdig(gw, "tailored.example", "192.0.2.0/24");
            assertThat(upstream.count("tailored.example.")).as("same subnet: from the cache").isEqualTo(1);
            kdig(gw, "tailored.example", "198.51.100.0/24");
            assertThat(upstream.count("tailored.example.")).as("another subnet: not another's answer").isEqualTo(2);
            assertThat(last(upstream, "tailored.example.").subnet()).isEqualTo("198.51.100.0/24");
        }
    }

    @Test
    void theUpstreamSeesTheGatewaysUdpSizeNotTheClients() throws Exception {
        try (RecordingResponder upstream = new RecordingResponder(n -> Mode.ECHO)) {
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("")))) {
                Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "big.example",
                        "+bufsize=65535", "+tries=1");
                assertThat(dig.out()).contains("status: NOERROR");
                assertThat(last(upstream, "big.example.").optClass()).isEqualTo(1232);
            }
            try (GatewayFixture gw = servers.gateway(b -> b.toml("""
                    [limits]
                    upstream_udp_size = 1400
                    """).upstreams(null, upstream.uri("")))) {
                Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "sized.example",
                        "+bufsize=4096", "+tries=1");
                assertThat(dig.out()).contains("status: NOERROR");
                assertThat(last(upstream, "sized.example.").optClass()).isEqualTo(1400);
            }
        }
    }
}
