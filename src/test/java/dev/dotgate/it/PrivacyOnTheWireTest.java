package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;

/**
 * EDNS padding (RFC 7830/8467) and TCP keepalive (RFC 7828) between real parts: the gateway forwards to a real
 * Unbound through {@link TlsRecorder}, which shows the bytes on the upstream connection; clients are dig and kdig.
 */
class PrivacyOnTheWireTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    private static final int PADDING = 12;
    private static final int KEEPALIVE = 11;

    static Unbound unbound;
    static TlsRecorder recorder;
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        recorder = new TlsRecorder(unbound);
        gw = servers.gateway(b -> b.upstreams(unbound.caFile(), recorder.uri()).timeout("3s"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (recorder != null) {
            recorder.close();
        }
    }

    private static List<Integer> optionCodes(byte[] wire) throws Exception {
        OPTRecord opt = new Message(wire).getOPT();
        return opt == null ? null : opt.getOptions().stream().map(EDNSOption::getCode).toList();
    }

    private static int received(String kdigOutput) {
        Matcher m = Pattern.compile(";; Received (\\d+) B").matcher(kdigOutput);
        assertThat(m.find()).as(kdigOutput).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private String[] kdigDot(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("kdig", "@127.0.0.1", "-p", "" + gw.dotPort(),
                "+tls-ca=" + gw.caFile(), "+tls-hostname=dotgate.test"));
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    @Test
    void everyQueryToATlsUpstreamIsPaddedTo128AndItsPaddedAnswersNeverReachPlainClients() throws Exception {
        int before = recorder.queries().size();
        // Plain UDP without EDNS, UDP with EDNS and a padding option, TCP with padding, all different names so
        // each goes upstream.
        Proc.Result noEdns = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "+noedns", "+tries=1",
                "one.bench.test", "A");
        Proc.Result udpPadded = Proc.run(10, "kdig", "@127.0.0.1", "-p", "" + gw.udpPort(), "+padding",
                "two.bench.test", "A");
        Proc.Result tcpPadded = Proc.run(10, "kdig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "+padding",
                "three.bench.test", "A");
        for (Proc.Result r : List.of(noEdns, udpPadded, tcpPadded)) {
            assertThat(r.out()).contains("NOERROR").contains("192.0.2.2");
            assertThat(r.out()).doesNotContain("PADDING");
        }
        assertThat(noEdns.out()).doesNotContain("OPT PSEUDOSECTION");
        assertThat(udpPadded.out()).contains("EDNS PSEUDOSECTION");
        // kdig's +padding pads its own query to 468 too; what comes back over plain transports is not padded.
        assertThat(received(udpPadded.out()) % 468).isNotZero();
        assertThat(received(tcpPadded.out()) % 468).isNotZero();

        List<byte[]> queries = recorder.queries().subList(before, recorder.queries().size());
        assertThat(queries).hasSize(3);
        for (byte[] q : queries) {
            assertThat(q.length % 128).as("query of %d bytes", q.length).isZero();
            assertThat(optionCodes(q)).endsWith(KEEPALIVE, PADDING);
        }
        // The EDNS-less query went out with an OPT carrying the padding; Unbound padded its answers in turn
        // (RFC 8467: 468), which the gateway took out again.
        assertThat(new Message(queries.get(0)).getOPT()).isNotNull();
        List<byte[]> answers = recorder.answers();
        assertThat(answers.get(answers.size() - 1).length % 468).isZero();
        assertThat(optionCodes(answers.get(answers.size() - 1))).contains(PADDING);
    }

    @Test
    void dotAnswersArePaddedTo468OnlyWhenTheQueryWasPadded() throws Exception {
        Proc.Result padded = Proc.run(15, kdigDot("+padding", "a.test", "A"));
        assertThat(padded.exit()).as(padded.out()).isZero();
        assertThat(padded.out()).contains("NOERROR").contains("192.0.2.1").contains("PADDING");
        assertThat(received(padded.out())).isEqualTo(468);

        // The same answer again, now from the cache: padded the same way.
        Proc.Result cached = Proc.run(15, kdigDot("+padding", "a.test", "A"));
        assertThat(received(cached.out())).isEqualTo(468);

        // A large answer (12 TXT records of about 100 bytes) lands on the next block boundary.
        Proc.Result big = Proc.run(15, kdigDot("+padding", "big.test", "TXT"));
        assertThat(big.out()).contains("NOERROR");
        assertThat(received(big.out()) % 468).isZero();
        assertThat(received(big.out())).isGreaterThan(468);

        // kdig pads its own DoT query to 468 bytes; upstream it goes padded to the query block, 128.
        Proc.Result fresh = Proc.run(15, kdigDot("+padding", "dot1.bench.test", "A"));
        assertThat(received(fresh.out())).isEqualTo(468);
        List<byte[]> queries = recorder.queries();
        assertThat(new Message(queries.get(queries.size() - 1)).getQuestion().getName().toString())
                .isEqualTo("dot1.bench.test.");
        assertThat(queries.get(queries.size() - 1)).hasSize(128);

        Proc.Result unpadded = Proc.run(15, kdigDot("+nopadding", "a.test", "A")); // kdig pads over TLS by default
        assertThat(unpadded.out()).contains("NOERROR").doesNotContain("PADDING");
        assertThat(received(unpadded.out())).isLessThan(100);
    }

    @Test
    void keepaliveIsAnsweredWithOurIdleTimeoutOnStreamsOnly() {
        // listen.idle_timeout defaults to 30 s: 300 units of 100 ms.
        Proc.Result dot = Proc.run(15, kdigDot("+ednsopt=11", "a.test", "A"));
        assertThat(dot.out()).contains("NOERROR");
        Proc.Result tcp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "+keepalive",
                "a.test", "A");
        assertThat(tcp.out()).contains("NOERROR").contains("TCP KEEPALIVE: 30.0 secs");
        Proc.Result udp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "+keepalive", "+tries=1",
                "a.test", "A");
        assertThat(udp.out()).contains("NOERROR").doesNotContain("KEEPALIVE");
        Proc.Result dotPlain = Proc.run(15, kdigDot("+nopadding", "a.test", "A"));
        assertThat(dotPlain.out()).contains("NOERROR").doesNotContain("Option (11)");
        assertThat(dot.out()).contains("Option (11): 012C"); // 300 = 0x012C
        Proc.Result digDot = Proc.run(15, "dig", "@127.0.0.1", "-p", "" + gw.dotPort(), "+tls-ca=" + gw.caFile(),
                "+tls-hostname=dotgate.test", "+keepalive", "a.test", "A");
        assertThat(digDot.out()).contains("NOERROR").contains("TCP KEEPALIVE: 30.0 secs");
    }

    @Test
    void anUpstreamsKeepaliveTimeoutClosesTheConnectionBeforeTheConfiguredIdleTimeout() throws Exception {
        // Unbound tells its idle timeout (1 s) to clients that ask; the gateway's own upstream idle timeout is 8 s.
        Unbound keepalive = servers.ownUnbound("edns-tcp-keepalive: yes\nedns-tcp-keepalive-timeout: 1000");
        try (TlsRecorder relay = new TlsRecorder(keepalive);
                GatewayFixture gw2 = servers.gateway(b -> b.upstreams(keepalive.caFile(), relay.uri())
                        .timeout("3s"))) {
            int controlClosed = recorder.closedByGatewayNanos().size();
            Proc.Result b = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "+tries=1", "k2.bench.test");
            Proc.Result a = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw2.udpPort(), "+tries=1", "k1.bench.test");
            long answered = System.nanoTime();
            assertThat(a.out()).contains("192.0.2.2");
            assertThat(b.out()).contains("192.0.2.2");
            // Unbound answered with its timeout (10 units of 100 ms), which the gateway read and took out.
            byte[] answer = relay.answers().get(0);
            OPTRecord opt = new Message(answer).getOPT();
            assertThat(opt.getOptions().stream().filter(o -> o.getCode() == KEEPALIVE).findFirst().orElseThrow()
                    .toWire()).endsWith(0, 10);
            assertThat(a.out()).doesNotContain("KEEPALIVE");

            Eventually.until(() -> !relay.closedByGatewayNanos().isEmpty(), java.time.Duration.ofSeconds(5),
                    "the gateway to close its idle upstream connection");
            assertThat(relay.closedByGatewayNanos()).as("the gateway closed its idle connection").hasSize(1);
            long millis = (relay.closedByGatewayNanos().get(0) - answered) / 1_000_000;
            // 1000 ms minus a 200 ms margin, checked every 100 ms: before Unbound's own 1 s (had Unbound closed
            // first, the relay would not count it as the gateway's close) and far before the 8 s default.
            assertThat(millis).isBetween(600L, 1200L);
            // The other gateway's upstream sent no keepalive: its connection, just as idle, stays open.
            assertThat(recorder.open()).isPositive();
            assertThat(recorder.closedByGatewayNanos()).hasSize(controlClosed);

            // The next query opens a fresh connection and is answered.
            Proc.Result again = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw2.udpPort(), "+tries=1",
                    "k3.bench.test");
            assertThat(again.out()).contains("192.0.2.2");
            assertThat(relay.accepted()).isEqualTo(2);
        }
    }
}
