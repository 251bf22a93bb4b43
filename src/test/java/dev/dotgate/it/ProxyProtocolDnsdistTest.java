package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real load balancer in front: dnsdist ({@code useProxyProtocol=true}) forwards dig's UDP and TCP queries to
 * the gateway with PROXY v2 headers, and reads the gateway's answers, which carry none. dig binds to 127.0.0.3-5,
 * so the client dnsdist names differs from dnsdist's own 127.0.0.1.
 */
class ProxyProtocolDnsdistTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void digThroughDnsdistReachesPolicyAndEventsAsItself() throws Exception {
        assumeTrue(Proc.run(10, "sh", "-c", "command -v dnsdist").exit() == 0, "dnsdist is not installed");
        Path events = tmp.resolve("events.jsonl");
        try (GatewayFixture gw = servers.gateway(b -> b.toml("""
                        [proxy_protocol]
                        trusted = ["127.0.0.1/32"]
                        [acl.plain]
                        allow = ["127.0.0.0/8"]
                        deny = ["127.0.0.5/32"]
                        [events]
                        sink = "%s"
                        """.formatted(events)))) {
            int port = Ports.free();
            Path conf = Files.writeString(tmp.resolve("dnsdist.conf"), """
                    setSecurityPollSuffix("")
                    setLocal("127.0.0.1:%d")
                    setACL({"127.0.0.0/8"})
                    newServer{address="127.0.0.1:%d", useProxyProtocol=true}:setUp()
                    """.formatted(port, gw.udpPort()));
            Process dnsdist = new ProcessBuilder("dnsdist", "--supervised", "--disable-syslog", "-C", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("dnsdist.log").toFile())).start();
            try {
                Ports.awaitListening(port, 10_000);
                String udp = dig(port, "127.0.0.3", "a.test");
                assertThat(udp).contains("status: NOERROR").contains("192.0.2.1");
                String tcp = dig(port, "127.0.0.4", "+tcp", "a.test");
                assertThat(tcp).contains("status: NOERROR").contains("192.0.2.1");
                String denied = dig(port, "127.0.0.5", "denied.a.test");
                assertThat(denied).contains("status: REFUSED");

                JsonNode u = event(events, d -> d.path("name").asText().equals("a.test.")
                        && d.path("transport").asText().equals("udp"));
                assertThat(u.path("client").asText()).isEqualTo("127.0.0.3");
                JsonNode t = event(events, d -> d.path("name").asText().equals("a.test.")
                        && d.path("transport").asText().equals("tcp"));
                assertThat(t.path("client").asText()).isEqualTo("127.0.0.4");
                                JsonNode r = event(events, d -> d.path("name").asText().equals("denied.a.test."));
                assertThat(r.path("client").asText()).isEqualTo("127.0.0.5");
                assertThat(r.path("decision").asText()).isEqualTo("refused_acl");
                assertThat(gw.gateway.stats().snapshot().get("proxyHeaderRejected")).isZero();
            } finally {
                dnsdist.destroy();
                if (!dnsdist.waitFor(5, TimeUnit.SECONDS)) {
                    dnsdist.destroyForcibly();
                }
            }
        }
    }

    private static String dig(int port, String from, String... args) {
        String[] cmd = new String[args.length + 6];
        cmd[0] = "dig";
        cmd[1] = "@127.0.0.1";
        cmd[2] = "-p" + port;
        cmd[3] = "-b";
        cmd[4] = from;
        cmd[5] = "+tries=1";
        System.arraycopy(args, 0, cmd, 6, args.length);
        return Proc.run(15, cmd).out();
    }

    private static JsonNode event(Path file, Predicate<JsonNode> p) {
        return EventLog.awaitData(file, p);
    }
}
