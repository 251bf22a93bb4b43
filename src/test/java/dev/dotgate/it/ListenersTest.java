package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Every listener against a real Unbound DoT upstream, with real clients: dig, kdig, openssl s_client. */
class ListenersTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static Unbound unbound;
    static GatewayFixture gw;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        gw = servers.gateway(b -> b.upstreams(unbound.caFile(), unbound.uri()).timeout("3s"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void digOverUdpAndTcp() {
        Proc.Result udp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "a.test", "A", "+tries=1");
        assertThat(udp.out()).contains("status: NOERROR").contains("192.0.2.1").contains("UDP");
        Proc.Result tcp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "a.test", "A");
        assertThat(tcp.out()).contains("status: NOERROR").contains("192.0.2.1").contains("(TCP)");
    }

    @Test
    void kdigVerifiesTheGeneratedCertificateStrictly() {
        for (String host : new String[] {"localhost", "dotgate.test"}) {
            Proc.Result r = Proc.run(15, "kdig", "@127.0.0.1", "-p", "" + gw.dotPort(),
                    "+tls-ca=" + gw.caFile(), "+tls-hostname=" + host, "a.test", "A");
            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).contains("status: NOERROR").contains("192.0.2.1").contains("TLS session");
        }
        // Verification by IP address (no host name) must hold too.
        Proc.Result byIp = Proc.run(15, "kdig", "@127.0.0.1", "-p", "" + gw.dotPort(), "+tls-ca=" + gw.caFile(),
                "a.test", "A");
        assertThat(byIp.out()).contains("status: NOERROR");
        // And a name the certificate does not carry must fail: the check is real.
        Proc.Result wrong = Proc.run(15, "kdig", "@127.0.0.1", "-p", "" + gw.dotPort(), "+tls-ca=" + gw.caFile(),
                "+tls-hostname=not-this-server.example", "a.test", "A");
        assertThat(wrong.out()).doesNotContain("status: NOERROR");
    }

    @Test
    void alpnOtherThanDotIsRefusedAndDotIsNegotiated() {
        String port = "127.0.0.1:" + gw.dotPort();
        long refusedBefore = gw.gateway.stats().tls.refusedAlpn.sum();
        Proc.Result h2 = Proc.withInput(15, "", "openssl", "s_client", "-connect", port, "-alpn", "h2",
                "-CAfile", gw.caFile().toString());
        assertThat(h2.out()).contains("no application protocol").doesNotContain("ALPN protocol: h2");
        // Counted once when refused, not again when the closed connection's buffered hello is decoded once more.
        assertThat(gw.gateway.stats().tls.refusedAlpn.sum() - refusedBefore).isEqualTo(1);
        Proc.Result dot = Proc.withInput(15, "", "openssl", "s_client", "-connect", port, "-alpn", "h2,dot",
                "-CAfile", gw.caFile().toString(), "-verify_hostname", "localhost");
        assertThat(dot.out()).contains("ALPN protocol: dot").contains("Verify return code: 0 (ok)");
        Proc.Result none = Proc.withInput(15, "", "openssl", "s_client", "-connect", port,
                "-CAfile", gw.caFile().toString());
        assertThat(none.out()).contains("No ALPN negotiated").contains("Verify return code: 0 (ok)");
        assertThat(gw.gateway.stats().tls.refusedAlpn.sum() - refusedBefore).as("only the h2 one").isEqualTo(1);
    }

    @Test
    void tooLargeForUdpIsTruncatedAndTcpGetsItAll() throws IOException {
        Proc.Result udp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "big.test", "TXT",
                "+noedns", "+ignore", "+tries=1");
        assertThat(udp.out()).contains("status: NOERROR").containsPattern("flags: qr[a-z ]* tc");
        Message edns = DnsClient.udp(gw.udp(), DnsClient.query("big.test.", Type.TXT, 7), 3000);
        // dnsjava's newQuery adds no OPT: 512 bytes is the limit, so TC again, question echoed.
        assertThat(edns.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(edns.getQuestion().getName().toString()).isEqualTo("big.test.");
        Proc.Result tcp = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.tcpPort(), "+tcp", "big.test", "TXT");
        assertThat(tcp.out()).contains("status: NOERROR").contains("ANSWER: 12");
    }

    @Test
    void twoHundredPipelinedQueriesOnOneDotConnection() throws Exception {
        try (SSLSocket s = DnsClient.dot(gw.dotPort(), gw.caFile())) {
            assertThat(s.getApplicationProtocol()).isEqualTo("dot");
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream()));
            Set<Integer> sent = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                int id = 1000 + i * 7;
                sent.add(id);
                DnsClient.writeFramed(out, DnsClient.query("p" + i + ".bench.test.", Type.A, id).toWire());
            }
            out.flush(); // all 200 leave before any answer is read
            DataInputStream in = new DataInputStream(s.getInputStream());
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                Message m = DnsClient.readFramed(in);
                int id = m.getHeader().getID();
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                int n = (id - 1000) / 7;
                assertThat(m.getQuestion().getName().toString()).isEqualTo("p" + n + ".bench.test.");
                assertThat(m.getSection(Section.ANSWER)).hasSize(1);
                got.add(id);
            }
            assertThat(got).isEqualTo(sent);
        }
    }

    @Test
    void garbageDatagramsAreDroppedAndServiceContinues() throws Exception {
        long before = gw.gateway.stats().udpDroppedMalformed.sum();
        Random random = new Random(42);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(300);
            for (int i = 0; i < 100; i++) {
                byte[] junk = new byte[random.nextInt(40)];
                random.nextBytes(junk);
                if (junk.length > 2) {
                    junk[2] &= 0x7f; // QR clear in some, so they reach the question parser
                }
                s.send(new DatagramPacket(junk, junk.length, gw.udp()));
            }
            byte[] buf = new byte[512];
            boolean replied;
            try {
                s.receive(new DatagramPacket(buf, buf.length));
                replied = true;
            } catch (java.net.SocketTimeoutException e) {
                replied = false;
            }
            assertThat(replied).as("no reply to garbage").isFalse();
        }
        assertThat(gw.gateway.stats().udpDroppedMalformed.sum() - before).isGreaterThanOrEqualTo(90);
        Message ok = DnsClient.udp(gw.udp(), DnsClient.query("a.test.", Type.A, 99), 3000);
        assertThat(ok.getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void tcpMalformedBodyGetsFormerrAndUnframeableStreamIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.tcpPort())) {
            s.setSoTimeout(5000);
            byte[] q = DnsClient.query("a.test.", Type.A, 4242).toWire();
            byte[] cut = java.util.Arrays.copyOf(q, q.length - 3); // question runs past the end
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DnsClient.writeFramed(out, cut);
            DataInputStream in = new DataInputStream(s.getInputStream());
            int len = in.readUnsignedShort();
            byte[] reply = new byte[len];
            in.readFully(reply);
            assertThat(((reply[0] & 0xff) << 8) | (reply[1] & 0xff)).isEqualTo(4242);
            assertThat(reply[3] & 0x0f).isEqualTo(Rcode.FORMERR);
            // The connection still serves after a FORMERR.
            DnsClient.writeFramed(out, q);
            assertThat(DnsClient.readFramed(in).getRcode()).isEqualTo(Rcode.NOERROR);
            // A zero-length frame cannot be DNS: the stream is closed.
            OutputStream raw = s.getOutputStream();
            raw.write(new byte[] {0, 0});
            raw.flush();
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void upstreamConnectionsStayWithinThePoolForAThousandQueries() throws Exception {
        long connectsBefore = gw.gateway.stats().upstreamConnects.sum();
        InetSocketAddress server = gw.udp();
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            for (int i = 0; i < 1000; i++) {
                byte[] q = DnsClient.query("k" + i + ".bench.test.", Type.A, i).toWire();
                s.send(new DatagramPacket(q, q.length, server));
            }
            Set<Integer> ids = new HashSet<>();
            byte[] buf = new byte[512];
            for (int i = 0; i < 1000; i++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                byte[] data = java.util.Arrays.copyOf(p.getData(), p.getLength());
                Message m = new Message(data);
                assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
                ids.add(m.getHeader().getID());
            }
            assertThat(ids).hasSize(1000);
        }
        int pool = gw.config.upstream().poolSize();
        // Counted from outside: established TCP connections to Unbound's port.
        Proc.Result ss = Proc.run(10, "ss", "-Htn", "state", "established", "( dport = :" + unbound.port() + " )");
        long open = ss.out().lines().filter(l -> !l.isBlank()).count();
        assertThat(open).as(ss.out()).isBetween(1L, (long) pool);
        assertThat(gw.gateway.stats().upstreamConnects.sum() - connectsBefore).isLessThanOrEqualTo(pool);
    }
}
