package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A DNS-over-QUIC upstream, tested against dotgate's own DoQ listener (no Debian package serves DoQ): many queries
 * at once over one QUIC connection, and a certificate that does not carry the upstream's name refused.
 */
@ExtendWith(LeakCheck.class)
class DoqUpstreamTest {
    @RegisterExtension
    static final Servers servers = new Servers();


    @Test
    void queriesGoOverOneQuicConnectionToDotgatesDoqListener() throws Exception {
        try (GatewayFixture upstream = servers.gateway(b -> b.toml("[listen]\ndoq = [\"127.0.0.1:0\"]\n"))) {
            String uri = "quic://127.0.0.1:" + upstream.doqPort() + "#dotgate.test";
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(upstream.caFile(), uri))) {
                assertThat(DnsClient.udpBurst(gw.udp(), "doq")).containsOnly(Rcode.NOERROR);
                assertThat(LimitsSupport.metric(upstream, "dotgate_queries_total", "transport=\"doq\""))
                        .as("answered by the upstream gateway over DoQ").isGreaterThanOrEqualTo(40);
                assertThat(LimitsSupport.metric(gw, "dotgate_upstream_connects_total", "upstream=\"" + uri + "\""))
                        .as("one QUIC connection").isOne();
            }
            String wrong = "quic://127.0.0.1:" + upstream.doqPort() + "#wrong.test";
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(upstream.caFile(), wrong))) {
                Message m = DnsClient.udp(gw.udp(), DnsClient.query("a.test", Type.A, 1), 5000);
                assertThat(m.getRcode()).as("a certificate without the name").isEqualTo(Rcode.SERVFAIL);
                assertThat(LimitsSupport.metric(gw, "dotgate_upstream_connect_failures_total",
                        "upstream=\"" + wrong + "\"")).isPositive();
            }
        }
    }
}
