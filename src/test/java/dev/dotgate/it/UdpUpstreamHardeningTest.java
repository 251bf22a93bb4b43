package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.RecordingResponder.Mode;
import dev.dotgate.it.RecordingResponder.Seen;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * udp:// upstreams against off-path spoofing (RFC 5452, 0x20), against a real UDP responder on loopback that records
 * what reaches it: each query from its own random port, IDs unpredictable, the question's letter case randomised
 * and required back, forged answers losing the race to the real one; and against a real Unbound.
 */
class UdpUpstreamHardeningTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    private static String address(Message m) {
        var answers = m.getSection(Section.ANSWER);
        return answers.isEmpty() ? "none" : ((ARecord) answers.get(0)).getAddress().getHostAddress();
    }

    @Test
    void eachQueryLeavesFromItsOwnPortWithARandomIdAndRandomCaseAndTheClientGetsItsCaseBack() throws Exception {
        try (RecordingResponder upstream = new RecordingResponder(n -> Mode.ECHO);
                GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("")))) {
            List<String> asked = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String name = "Host" + i + ".Case.Example.";
                asked.add(name);
                Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, Type.A, 1000 + i), 5000);
                assertThat(m).as("answer " + i).isNotNull();
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(address(m)).isEqualTo("192.0.2.1");
                assertThat(m.getQuestion().getName().toString()).as("the client's own case").isEqualTo(name);
            }
            List<Seen> seen = upstream.seen();
            assertThat(seen).hasSize(200);
            Set<Integer> ports = new HashSet<>();
            Set<Integer> ids = new HashSet<>();
            int sequential = 0;
            int recased = 0;
            for (int i = 0; i < seen.size(); i++) {
                Seen s = seen.get(i);
                ports.add(s.sourcePort());
                ids.add(s.id());
                if (i > 0 && ((s.id() - seen.get(i - 1).id()) & 0xFFFF) <= 1) {
                    sequential++;
                }
                assertThat(s.nameText()).isEqualToIgnoringCase(asked.get(i));
                if (!s.nameText().equals(asked.get(i))) {
                    recased++;
                }
            }
            assertThat(ports).as("a fresh source port per query").hasSizeGreaterThanOrEqualTo(190);
            assertThat(ids).as("IDs distinct").hasSizeGreaterThanOrEqualTo(195);
            assertThat(sequential).as("IDs not sequential").isLessThanOrEqualTo(2);
            // 15 letters per name: the case sent equals the client's by chance once in 32768.
            assertThat(recased).as("question case randomised").isGreaterThanOrEqualTo(195);
            // Not the client's IDs either: a random ID equals the client's once in 65536.
            int clientIds = 0;
            for (int i = 0; i < seen.size(); i++) {
                if (seen.get(i).id() == 1000 + i) {
                    clientIds++;
                }
            }
            assertThat(clientIds).as("upstream IDs equal to the client's").isLessThanOrEqualTo(2);
            assertThat(gw.gateway.stats().upstreamCaseMismatch.sum()).isZero();
        }
    }

    @Test
    void anUpstreamThatLowerCasesTheQuestionIsDroppedAsSpoofedUnlessItsUriKeepsCase() throws Exception {
        try (RecordingResponder upstream = new RecordingResponder(n -> Mode.LOWER)) {
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("")).timeout("1s"))) {
                Message m = DnsClient.udp(gw.udp(), DnsClient.query("Lower.Case.Example.", Type.A, 7), 5000);
                assertThat(m).isNotNull();
                assertThat(m.getRcode()).isEqualTo(Rcode.SERVFAIL);
                assertThat(gw.gateway.stats().upstreamCaseMismatch.sum()).isPositive();
                assertThat(gw.gateway.metrics().scrape()).containsPattern("dotgate_upstream_case_mismatch_total [1-9]");
            }
            try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("?0x20=off")).timeout("1s"))) {
                Message m = DnsClient.udp(gw.udp(), DnsClient.query("Lower.Case.Example.", Type.A, 8), 5000);
                assertThat(m).isNotNull();
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(address(m)).isEqualTo("192.0.2.1");
                assertThat(m.getQuestion().getName().toString()).isEqualTo("Lower.Case.Example.");
                assertThat(gw.gateway.stats().upstreamCaseMismatch.sum()).isZero();
                Seen last = upstream.seen().get(upstream.seen().size() - 1);
                assertThat(last.nameText()).as("sent as the client wrote it").isEqualTo("Lower.Case.Example.");
            }
        }
    }

    @Test
    void forgedAnswersRacingTheRealOneAreDroppedAndClientsAreServedThroughout() throws Exception {
        // The responder answers "race..." names only after sending forgeries from its own address and port (wrong
        // IDs; the right ID with the case inverted) and from 127.0.0.2 (right ID and case, wrong source).
        try (RecordingResponder upstream = new RecordingResponder(n -> n.startsWith("race") ? Mode.RACE : Mode.ECHO);
                GatewayFixture gw = servers.gateway(b -> b.upstreams(null, upstream.uri("")).timeout("3s"))) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Message>> races = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    String name = "race" + i + ".spoofing-target.example.";
                    int id = 500 + i;
                    races.add(pool.submit(() -> DnsClient.udp(gw.udp(), DnsClient.query(name, Type.A, id), 5000)));
                }
                // Meanwhile other clients are served at once.
                for (int i = 0; i < 20; i++) {
                    Message m = DnsClient.udp(gw.udp(), DnsClient.query("during" + i + ".example.", Type.A, i), 5000);
                    assertThat(m).isNotNull();
                    assertThat(address(m)).isEqualTo("192.0.2.1");
                }
                for (Future<Message> f : races) {
                    Message m = f.get(10, TimeUnit.SECONDS);
                    assertThat(m).isNotNull();
                    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                    assertThat(address(m)).as("the real answer, not a forged one").isEqualTo("192.0.2.1");
                }
            } finally {
                pool.shutdownNow();
            }
            Message after = DnsClient.udp(gw.udp(), DnsClient.query("after.example.", Type.A, 99), 5000);
            assertThat(address(after)).isEqualTo("192.0.2.1");
            assertThat(gw.gateway.stats().upstreamCaseMismatch.sum()).as("inverted-case forgeries").isPositive();
            assertThat(gw.gateway.stats().upstreamUnmatched.sum()).as("wrong-ID forgeries").isPositive();
        }
    }

    @Test
    void unboundAsAUdpUpstreamKeepsCaseSo0x20AnswersFlow() throws Exception {
        Unbound unbound = servers.unbound();
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(null, "udp://127.0.0.1:" + unbound.plainPort()))) {
            for (int i = 0; i < 20; i++) {
                String name = "Mixed" + i + ".Bench.Test.";
                Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, Type.A, i), 5000);
                assertThat(m).isNotNull();
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(address(m)).isEqualTo("192.0.2.2");
                assertThat(m.getQuestion().getName().toString()).isEqualTo(name);
            }
            Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "A.Test", "+tries=1");
            assertThat(dig.out()).contains("status: NOERROR").contains("192.0.2.1").contains(";A.Test.");
            assertThat(gw.gateway.stats().upstreamCaseMismatch.sum()).isZero();
            assertThat(gw.gateway.stats().servfailTimeout.sum()).isZero();
            // Unbound logs each name as it arrived: most in another case than the client's.
            String log = java.nio.file.Files.readString(unbound.dir().resolve("unbound.log"),
                    StandardCharsets.ISO_8859_1);
            long asWritten = 0;
            for (int i = 0; i < 20; i++) {
                if (log.contains(" Mixed" + i + ".Bench.Test. ")) {
                    asWritten++;
                }
            }
            assertThat(log.toLowerCase(java.util.Locale.ROOT)).contains("mixed19.bench.test.");
            assertThat(asWritten).as("names Unbound saw in the client's case").isLessThanOrEqualTo(2);
        }
    }

    private static long openFiles() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void socketsInFlightAreBoundedWhenAFloodMeetsASilentUpstream() throws Exception {
        // One socket per query in flight: at most pool_size x max_queries_per_connection of them (here 8), more
        // queries are refused at once instead of taking file descriptors.
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(
                new java.net.InetSocketAddress("127.0.0.1", 0));
                GatewayFixture gw = servers.gateway(b -> b.toml("""
                        [upstream]
                        pool_size = 1
                        max_queries_per_connection = 8
                        """).upstreams(null, "udp://127.0.0.1:" + silent.getLocalPort()).timeout("3s"));
                java.net.DatagramSocket client = new java.net.DatagramSocket(
                        new java.net.InetSocketAddress("127.0.0.1", 0))) {
            DnsClient.udp(gw.udp(), DnsClient.query("warm.example.", Type.A, 1), 200); // lanes, threads, buffers
            long before = openFiles();
            for (int i = 0; i < 500; i++) {
                byte[] q = DnsClient.query("flood" + i + ".example.", Type.A, i).toWire();
                client.send(new java.net.DatagramPacket(q, q.length, gw.udp()));
            }
            long[] sampled = {0};
            Pace.sampleFor(java.time.Duration.ofMillis(400), java.time.Duration.ofMillis(20), () -> {
                try {
                    sampled[0] = Math.max(sampled[0], openFiles());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long peak = sampled[0];
            int lanes = Runtime.getRuntime().availableProcessors() * 2; // more than the loops there are
            assertThat(peak - before).as("sockets opened for 500 queries").isLessThanOrEqualTo(8 + lanes + 4);
            client.setSoTimeout(3000);
            byte[] buf = new byte[512];
            java.net.DatagramPacket answer = new java.net.DatagramPacket(buf, buf.length);
            client.receive(answer); // the refused ones are answered (SERVFAIL) rather than left waiting
            assertThat(new Message(java.util.Arrays.copyOf(buf, answer.getLength())).getRcode())
                    .isEqualTo(Rcode.SERVFAIL);
        }
    }
}
