package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * A DNS-over-HTTPS upstream: Unbound's DoH server (https-port, HTTP/2 only) and dotgate's own DoH listener. Many
 * queries at once go over one HTTP/2 connection, POST by default and GET when asked, and each answer is the
 * upstream's. A server that picks HTTP/1.1 in ALPN (Python's http.server, which has no HTTP/2) gets HTTP/1.1
 * requests, one at a time per connection.
 */
@ExtendWith(LeakCheck.class)
class DohUpstreamTest {
    @RegisterExtension
    static final Servers servers = new Servers();


    private static Unbound dohUnbound(int port) throws Exception {
        return servers.ownUnbound("""
                interface: 127.0.0.1@%1$d
                https-port: %1$d
                http-endpoint: "/dns-query"
                """.formatted(port));
    }

    @Test
    void queriesGoToUnboundsDohServerOverOneHttp2Connection() throws Exception {
        int port = Ports.free();
        Unbound unbound = dohUnbound(port);
        Ports.awaitListening(port, 10_000);
        String uri = "https://127.0.0.1:" + port + "/dns-query#" + Unbound.AUTH_NAME;
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(unbound.caFile(), uri))) {
            assertThat(DnsClient.udpBurst(gw.udp(), "post")).containsOnly(Rcode.NOERROR);
            assertThat(unbound.queriesFor("post7.bench.test")).isOne();
            assertThat(LimitsSupport.metric(gw, "dotgate_upstream_connects_total", "upstream=\"" + uri + "\""))
                    .as("one connection carried them all").isOne();
            assertThat(LimitsSupport.metric(gw, "dotgate_upstream_answers_total", "upstream=\"" + uri + "\""))
                    .isEqualTo(40);
        }
        String get = "https://127.0.0.1:" + port + "/dns-query?method=GET#" + Unbound.AUTH_NAME;
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(unbound.caFile(), get))) {
            assertThat(DnsClient.udpBurst(gw.udp(), "get")).containsOnly(Rcode.NOERROR);
            assertThat(unbound.queriesFor("get3.bench.test")).isOne();
        }
    }

    @Test
    void queriesGoToDotgatesOwnDohListener() throws Exception {
        try (GatewayFixture upstream = servers.gateway(b -> b.toml("[listen]\ndoh = [\"127.0.0.1:0\"]\n"));
                GatewayFixture gw = servers.gateway(b -> b.upstreams(upstream.caFile(),
                        "https://127.0.0.1:" + upstream.dohPort() + "/dns-query#dotgate.test"))) {
            assertThat(DnsClient.udpBurst(gw.udp(), "own")).containsOnly(Rcode.NOERROR);
            assertThat(LimitsSupport.metric(upstream, "dotgate_queries_total", "transport=\"doh\""))
                    .as("the upstream gateway answered them over DoH").isGreaterThanOrEqualTo(40);
            // A 1.3 KB answer (12 TXT records) whole over DoH, and to the client over TCP.
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.tcpPort())) {
                s.setSoTimeout(5000);
                DnsClient.writeFramed(new java.io.DataOutputStream(s.getOutputStream()),
                        DnsClient.query("big.test", Type.TXT, 1).toWire());
                Message big = DnsClient.readFramed(new java.io.DataInputStream(s.getInputStream()));
                assertThat(big.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(big.getSection(1)).hasSize(12);
            }
        }
    }

    @Test
    void http11IsUsedWhenTheServerPicksItInAlpn() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Proc.run(10, "sh", "-c", "command -v python3").exit() == 0,
                "python3 is not installed");
        Unbound unbound = servers.unbound();
        int port = Ports.free();
        java.nio.file.Path script = java.nio.file.Path.of("src/test/resources/h1-doh-server.py").toAbsolutePath();
        java.nio.file.Path log = java.nio.file.Files.createTempFile("h1-doh", ".log");
        Process server = new ProcessBuilder("python3", script.toString(), String.valueOf(port),
                unbound.dir().resolve("upstream.pem").toString(), unbound.dir().resolve("upstream.key").toString(),
                String.valueOf(unbound.plainPort())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Ports.awaitListening(port, 10_000);
            String uri = "https://127.0.0.1:" + port + "/dns-query#" + Unbound.AUTH_NAME;
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(unbound.caFile(), uri))) {
                assertThat(DnsClient.udpBurst(gw.udp(), "h1")).containsOnly(Rcode.NOERROR);
                assertThat(unbound.queriesFor("h15.bench.test")).isOne();
            }
            List<String> requests = java.nio.file.Files.readAllLines(log).stream()
                    .filter(l -> l.startsWith("HTTP/")).toList();
            assertThat(requests).hasSize(40).containsOnly("HTTP/1.1 POST application/dns-message");
        } finally {
            server.destroy();
            server.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
