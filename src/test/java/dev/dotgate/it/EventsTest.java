package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/** One CloudEvents line per query, for every kind of decision, written to a file by a real gateway. */
class EventsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void everyDecisionIsAnEvent() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        Path allow = Files.writeString(tmp.resolve("allow.txt"), "*.test\n");
        Path block = Files.writeString(tmp.resolve("ads.txt"), "ads.test\n");
        Unbound unbound = servers.unbound();
        try (DatagramSocket blackhole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                java.net.ServerSocket mute = new java.net.ServerSocket(0, 50,
                        java.net.InetAddress.getLoopbackAddress())) {
            // A TCP upstream that takes connections and never answers: its queries time out.
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(mute.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String toml = """
                    [policy]
                    allowlist = "%s"
                    blocklists = ["%s"]
                    local = ["nas.home.arpa A 192.168.1.10", "ad.home.arpa CNAME x.ads.test",
                             "org.home.arpa CNAME www.example.org", "fwd.home.arpa CNAME x.bench.test"]
                    [[forward]]
                    zone = "slow.test"
                    servers = ["tcp://127.0.0.1:%d"]
                    [[forward]]
                    zone = "gone.test"
                    servers = ["udp://127.0.0.1:%d"]
                    [acl.plain]
                    deny = ["127.0.0.2"]
                    [events]
                    sink = "%s"
                    """.formatted(allow, block, mute.getLocalPort(), blackhole.getLocalPort(), events);
            try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).timeout("1s"))) {
                ask(gw, "a.test", Type.A);               // forwarded
                ask(gw, "a.test", Type.A);               // cached
                ask(gw, "nas.home.arpa", Type.A);        // local
                ask(gw, "x.ads.test", Type.AAAA);        // blocked by ads.txt
                ask(gw, "www.example.org", Type.A);      // refused by the allowlist
                ask(gw, "ad.home.arpa", Type.A);         // a local CNAME to a blocked name
                ask(gw, "org.home.arpa", Type.A);        // a local CNAME to a name the allowlist refuses
                ask(gw, "fwd.home.arpa", Type.A);        // a local CNAME to a forwarded name
                ask(gw, "q.slow.test", Type.A);          // upstream timeout
                ask(gw, "q.gone.test", Type.A);          // the only upstream is silent: failed early
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
                    s.setSoTimeout(3000);
                    byte[] q = DnsClient.query("a.test", Type.A, 9).toWire();
                    s.send(new DatagramPacket(q, q.length, gw.udp()));
                    s.receive(new DatagramPacket(new byte[512], 512)); // refused by the access list
                    byte[] garbage = {1, 2, 3};
                    s.send(new DatagramPacket(garbage, garbage.length, gw.udp())); // malformed, dropped
                }
                List<JsonNode> lines = await(events, 12);
                JsonNode e = find(lines, n -> n.path("data").path("name").asText().equals("a.test."));
                assertThat(e.path("specversion").asText()).isEqualTo("1.0");
                assertThat(e.path("type").asText()).isEqualTo("dev.dotgate.query");
                assertThat(e.path("id").asText()).isNotBlank();
                assertThat(e.path("source").asText()).isNotBlank();
                assertThat(e.path("time").asText()).endsWith("Z");
                JsonNode d = e.path("data");
                assertThat(d.path("decision").asText()).isEqualTo("forwarded");
                assertThat(d.path("client").asText()).isEqualTo("127.0.0.1");
                assertThat(d.path("transport").asText()).isEqualTo("udp");
                assertThat(d.path("type").asText()).isEqualTo("A");
                assertThat(d.path("rcode").asText()).isEqualTo("NOERROR");
                assertThat(d.path("upstream").asText()).isEqualTo(unbound.uri());
                assertThat(d.path("latency_us").asLong()).isPositive();
                assertThat(decision(lines, "a.test.", "cached").path("upstream").isMissingNode()).isTrue();
                assertThat(decision(lines, "nas.home.arpa.", "local").path("rcode").asText()).isEqualTo("NOERROR");
                JsonNode blocked = decision(lines, "x.ads.test.", "blocked");
                assertThat(blocked.path("reason").asText()).isEqualTo(block.toString());
                assertThat(blocked.path("type").asText()).isEqualTo("AAAA");
                assertThat(decision(lines, "www.example.org.", "refused_allowlist").path("rcode").asText())
                        .isEqualTo("REFUSED");
                // A followed local CNAME is reported with its target's outcome, under the name the client asked.
                JsonNode alias = decision(lines, "ad.home.arpa.", "blocked");
                assertThat(alias.path("reason").asText()).isEqualTo(block.toString());
                assertThat(alias.path("rcode").asText()).isEqualTo("NXDOMAIN");
                assertThat(decision(lines, "org.home.arpa.", "refused_allowlist").path("rcode").asText())
                        .isEqualTo("REFUSED");
                // ... and with the upstream its target went to.
                JsonNode chased = decision(lines, "fwd.home.arpa.", "forwarded");
                assertThat(chased.path("rcode").asText()).isEqualTo("NOERROR");
                assertThat(chased.path("upstream").asText()).isEqualTo(unbound.uri());
                JsonNode timeout = decision(lines, "q.slow.test.", "upstream_timeout");
                assertThat(timeout.path("rcode").asText()).isEqualTo("SERVFAIL");
                assertThat(timeout.path("upstream").asText()).isEqualTo("tcp://127.0.0.1:" + mute.getLocalPort());
                assertThat(timeout.path("latency_us").asLong()).isGreaterThanOrEqualTo(900_000);
                JsonNode failed = decision(lines, "q.gone.test.", "upstream_failed");
                assertThat(failed.path("rcode").asText()).isEqualTo("SERVFAIL");
                assertThat(failed.path("upstream").asText()).isEqualTo("udp://127.0.0.1:" + blackhole.getLocalPort());
                JsonNode acl = find(lines, n -> n.path("data").path("decision").asText().equals("refused_acl"));
                assertThat(acl.path("data").path("client").asText()).isEqualTo("127.0.0.2");
                assertThat(acl.path("data").path("reason").asText()).isEqualTo("acl");
                JsonNode malformed = find(lines, n -> n.path("data").path("decision").asText().equals("malformed"));
                assertThat(malformed.path("data").path("rcode").isMissingNode()).isTrue();
                assertThat(lines.stream().map(n -> n.path("id").asText()).distinct().count()).isEqualTo(lines.size());
            }
        }
    }

    private static void ask(GatewayFixture gw, String name, int type) throws IOException {
        Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, type, 1), 3000);
        assertThat(m).as(name).isNotNull();
    }

    private static JsonNode decision(List<JsonNode> lines, String name, String decision) {
        return find(lines, n -> n.path("data").path("name").asText().equals(name)
                && n.path("data").path("decision").asText().equals(decision)).path("data");
    }

    private static JsonNode find(List<JsonNode> lines, Predicate<JsonNode> p) {
        return lines.stream().filter(p).findFirst()
                .orElseThrow(() -> new AssertionError("no such event in " + lines));
    }

    private static List<JsonNode> await(Path file, int atLeast) {
        return EventLog.awaitCount(file, atLeast);
    }
}
