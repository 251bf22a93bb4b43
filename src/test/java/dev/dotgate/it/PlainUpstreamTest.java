package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** udp:// and tcp:// upstreams (local resolvers), including a truncated UDP answer asked again over TCP. */
class PlainUpstreamTest {
    @TempDir
    Path tmp;

    @Test
    void udpAndTcpUpstreamsAnswerAndTruncatedUdpFallsBackToTcp() throws Exception {
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"))) {
            for (String scheme : new String[] {"udp", "tcp"}) {
                try (GatewayFixture gw = new GatewayFixture(tmp.resolve("data-" + scheme), null, "2s",
                        scheme + "://127.0.0.1:" + unbound.plainPort())) {
                    Proc.Result a = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "a.test", "+tries=1");
                    assertThat(a.out()).as(scheme).contains("status: NOERROR").contains("192.0.2.1");
                    // 12 TXT records of ~100 bytes: more than the 1232 bytes dig offers, so Unbound truncates
                    // its UDP answer and the gateway must ask again over TCP to give a TCP client all of it.
                    Proc.Result big = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "big.test",
                            "TXT");
                    assertThat(big.out()).as(scheme).contains("status: NOERROR").contains("ANSWER: 12");
                    if (scheme.equals("udp")) {
                        assertThat(gw.gateway.stats().upstreamTruncatedRetriedTcp.sum()).isPositive();
                    }
                }
            }
        }
    }
}
