package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.VICTIM;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * UDP answers are capped at limits.udp_answer_size (1,232 bytes) whatever the client advertises: a client
 * offering 65,535 bytes (kdig +bufsize=65535) gets a 2 KB answer as TC=1 over UDP, and all of it over TCP.
 */
@ExtendWith(LeakCheck.class)
class UdpAnswerSizeTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @Test
    void aLargeAnswerIsTruncatedOverUdpWhateverTheClientOffers() throws Exception {
        StringBuilder local = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            local.append(i == 0 ? "" : ", ").append("\"big.lim.test TXT \\\"").append("y".repeat(150)).append(i)
                    .append("\\\"\"");
        }
        String toml = "[policy]\nlocal = [" + local + "]\n";
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            String port = "" + gw.udpPort();
            // kdig: dig 9.18 advertises 1232 whatever +bufsize says.
            String udp = Proc.run(10, "kdig", "@127.0.0.1", "-p", port, "-b", VICTIM, "+bufsize=65535", "+ignore",
                    "+retry=0", "big.lim.test", "TXT").out();
            assertThat(udp).containsPattern("Flags: qr aa tc[ ;]").contains("ANSWER: 0");
            assertThat(gw.gateway.stats().server.truncated.sum()).isEqualTo(1);

            String small = Proc.run(10, "kdig", "@127.0.0.1", "-p", port, "-b", VICTIM, "+bufsize=65535", "+ignore",
                    "+retry=0", "big.lim.test", "A").out();
            assertThat(small).contains("status: NOERROR").doesNotContainPattern("Flags: [a-z ]*tc");

            String tcp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "-b", VICTIM, "+tcp",
                    "+bufsize=65535", "big.lim.test", "TXT").out();
            assertThat(tcp).contains("status: NOERROR").contains("ANSWER: 12");
            assertThat(tcp).containsPattern("MSG SIZE  rcvd: (1[3-9]|[2-9])\\d\\d\\d");
        }
    }
}
