package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * TLS session resumption towards upstreams, seen from the server side: a gateway forwards to another gateway's
 * DoT, DoH or DoQ listener; its first connection makes a full handshake, and once that connection has closed
 * (idle), the next one resumes with the ticket it got, which the serving gateway counts
 * ({@code dotgate_tls_resumed_total}, BoringSSL's own answer).
 */
@ExtendWith(LeakCheck.class)
class UpstreamResumptionTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @ParameterizedTest
    @ValueSource(strings = {"dot", "doh", "doq"})
    void theSecondConnectionResumes(String transport) throws Exception {
        try (GatewayFixture server = servers.gateway(b -> b.toml("[listen]\ndoh = [\"127.0.0.1:0\"]\n"
                + "doq = [\"127.0.0.1:0\"]\n"))) {
            String uri = switch (transport) {
                case "dot" -> "tls://127.0.0.1:" + server.dotPort() + "#dotgate.test";
                case "doh" -> "https://127.0.0.1:" + server.dohPort() + "/dns-query#dotgate.test";
                default -> "quic://127.0.0.1:" + server.doqPort() + "#dotgate.test";
            };
            String resumed = "transport=\"" + transport + "\"";
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(server.caFile(), uri)
                    .toml("[upstream]\nidle_timeout = \"1s\"\npool_size = 1\n"))) {
                Message first = DnsClient.udp(gw.udp(), DnsClient.query("one.bench.test", Type.A, 1), 5000);
                assertThat(first.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(LimitsSupport.metric(server, "dotgate_tls_resumed_total", resumed))
                        .as("the first connection: a full handshake").isZero();
                // The idle connection closes after 1 s; the next query opens another.
                Eventually.until(() -> gw.gateway.snapshot().routes().defaultGroup().all().get(0)
                        .openConnections() == 0, Duration.ofSeconds(10), "the idle upstream connection closed");
                Message second = DnsClient.udp(gw.udp(), DnsClient.query("two.bench.test", Type.A, 2), 5000);
                assertThat(second.getRcode()).isEqualTo(Rcode.NOERROR);
                Eventually.until(() -> LimitsSupport.metric(server, "dotgate_tls_resumed_total", resumed) == 1,
                        Duration.ofSeconds(5), "the second connection resumed, as the server counts");
            }
        }
    }
}
