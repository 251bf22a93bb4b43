package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** udp:// and tcp:// upstreams (local resolvers), including a truncated UDP answer asked again over TCP. */
class PlainUpstreamTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @Test
    void udpAndTcpUpstreamsAnswerAndTruncatedUdpFallsBackToTcp() throws Exception {
        Unbound unbound = servers.unbound();
        for (String scheme : new String[] {"udp", "tcp"}) {
            try (GatewayFixture gw = servers.gateway(
                    b -> b.upstreams(null, scheme + "://127.0.0.1:" + unbound.plainPort()))) {
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

    @Test
    void aSilentUdpUpstreamIsSkippedAndItsQueriesRetriedElsewhere() throws Exception {
        Unbound unbound = servers.unbound();
        try (DelayProxy silent = new DelayProxy(new InetSocketAddress("127.0.0.1", 9), -1);
                // Round robin without hedging: the datagram upstream's own silence detection is what is tested
                // (with the default strategy a hedge would answer first; see UpstreamChoiceTest).
                GatewayFixture gw = servers.gateway(b -> b.upstreams(null, silent.uri(),
                        "udp://127.0.0.1:" + unbound.plainPort()).timeout("3s")
                        .toml("[upstream]\nstrategy = \"round_robin\"\nhedging = false\n"))) {
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                Message m = DnsClient.udp(gw.udp(), DnsClient.query("q" + i + ".bench.test", Type.A, i), 5000);
                assertThat(m).isNotNull();
                assertThat(m.getRcode()).as("query " + i).isEqualTo(Rcode.NOERROR);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Round robin would send every other query to the silent one and wait 3 s each time; instead the
            // first silence (2 s) moves its queries elsewhere and the upstream is skipped for a while.
            assertThat(millis).isLessThan(6000);
            assertThat(silent.received()).isBetween(1, 3);
            assertThat(gw.gateway.stats().upstreamSilentClosed.sum()).isPositive();
        }
    }
}
