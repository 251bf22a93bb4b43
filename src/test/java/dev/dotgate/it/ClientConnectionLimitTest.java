package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * One client (127.0.0.2) opens 40 TCP connections and holds them, more than the 30 the gateway takes in all:
 * only max_connections_per_client (5) stay open, the rest are closed at accept and counted, and another
 * client (127.0.0.3) still connects and is served.
 */
@ExtendWith(LeakCheck.class)
class ClientConnectionLimitTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @Test
    void oneClientCannotHoldEveryConnectionSlot() throws Exception {
        String toml = """
                [listen]
                max_connections = 30
                [limits]
                exempt = []
                max_connections_per_client = 5
                [policy]
                local = ["v.lim.test A 192.0.2.7"]
                """;
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    held.add(LimitsSupport.tcpFrom(ATTACKER, gw.tcpPort()));
                }
                Eventually.until(() -> gw.gateway.stats().rateLimited.count(Reason.CONNECTIONS, Transport.TCP) >= 35
                        && LimitsSupport.metric(gw, "dotgate_client_connections", "transport=\"tcp\"") == 5,
                        Duration.ofSeconds(5), "the connections over the client's limit closed, 5 left open");
                int open = 0;
                for (Socket s : held) {
                    if (!LimitsSupport.closedByPeer(s, 20)) {
                        open++;
                    }
                }
                assertThat(open).as("attacker connections left open").isEqualTo(5);
                Message m = LimitsSupport.tcpAsk(VICTIM, gw.tcpPort(), "v.lim.test", 3);
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(gw.gateway.stats().server.connectionsRefusedOverLimit.sum()).isZero();
                assertThat(gw.gateway.stats().rateLimited.count(Reason.CONNECTIONS, Transport.TCP)).isEqualTo(35);
                assertThat(LimitsSupport.metric(gw, "dotgate_rate_limited_total", "reason=\"connections\"",
                        "transport=\"tcp\"")).isEqualTo(35);
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            // Closed connections give their places back.
            Eventually.until(() -> LimitsSupport.metric(gw, "dotgate_client_connections", "transport=\"tcp\"") == 0,
                    Duration.ofSeconds(5), "the gateway to see the closes");
            assertThat(LimitsSupport.tcpAsk(ATTACKER, gw.tcpPort(), "v.lim.test", 4).getRcode())
                    .isEqualTo(Rcode.NOERROR);
        }
    }
}
