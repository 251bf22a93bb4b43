package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Plain TCP from outside acl.plain is closed at accept and takes no connection slot: with max_connections = 5,
 * 20 connections from 127.0.0.2 (not allowed) are held open by the client, and 127.0.0.3 (allowed) still
 * connects and is served.
 */
@ExtendWith(LeakCheck.class)
class AccessListAtAcceptTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void plainTcpOutsideTheAccessListTakesNoSlot() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        String toml = """
                [listen]
                max_connections = 5
                [acl.plain]
                allow = ["127.0.0.3/32"]
                [policy]
                local = ["v.lim.test A 192.0.2.7"]
                [events]
                sink = "%s"
                """.formatted(events);
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    held.add(LimitsSupport.tcpFrom(ATTACKER, gw.tcpPort()));
                }
                Eventually.until(() -> gw.gateway.stats().connectionsRefusedAcl.sum() >= 20, Duration.ofSeconds(5),
                        "the 20 connections refused");
                for (Socket s : held) {
                    assertThat(LimitsSupport.closedByPeer(s, 500)).as("refused at accept").isTrue();
                }
                for (int i = 0; i < 3; i++) {
                    Message m = LimitsSupport.tcpAsk(VICTIM, gw.tcpPort(), "v.lim.test", 3 + i);
                    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                }
                var stats = gw.gateway.stats();
                assertThat(stats.connectionsRefusedAcl.sum()).isEqualTo(20);
                assertThat(stats.server.connectionsRefusedOverLimit.sum()).isZero();
                assertThat(LimitsSupport.metric(gw, "dotgate_connections_refused_acl_total")).isEqualTo(20);
                var e = ClientQueryFloodTest.awaitEvent(events, "refused_acl");
                assertThat(e.path("client").asText()).isEqualTo(ATTACKER);
                assertThat(e.path("transport").asText()).isEqualTo("tcp");
                // UDP from outside the list is still answered REFUSED, query by query.
                Message udp = LimitsSupport.udpAsk(ATTACKER, gw.udp(), "v.lim.test", 9, 2000);
                assertThat(udp.getRcode()).isEqualTo(Rcode.REFUSED);
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
