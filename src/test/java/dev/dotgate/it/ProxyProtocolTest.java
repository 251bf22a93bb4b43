package dev.dotgate.it;

import static dev.dotgate.it.ProxyHeaders.at;
import static dev.dotgate.it.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * PROXY protocol v2 behind a load balancer, end to end on loopback: 127.0.0.1 plays the trusted load balancer,
 * 127.0.0.2 an untrusted peer, and the headers name clients in 198.51.100.0/24 and 2001:db8::/32 (header values
 * only: no traffic goes there). The real client must reach the access lists (198.51.100.66 is denied) and the events.
 */
class ProxyProtocolTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static final String REAL = "198.51.100.7";
    static final String DENIED = "198.51.100.66";

    @TempDir
    static Path tmp;
    static Unbound unbound;
    static GatewayFixture gw;
    static Path events;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        events = tmp.resolve("events.jsonl");
        String toml = """
                [listen]
                handshake_timeout = "1s"
                doh = ["127.0.0.1:0"]

                [proxy_protocol]
                trusted = ["127.0.0.1/32"]

                [acl.plain]
                allow = ["127.0.0.0/8", "198.51.100.0/24", "2001:db8::/32"]
                deny = ["%1$s/32"]

                [acl.dot]
                allow = ["127.0.0.0/8", "198.51.100.0/24"]
                deny = ["%1$s/32"]

                [events]
                sink = "%2$s"
                """.formatted(DENIED, events);
        gw = servers.gateway(b -> b.toml(toml));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (gw != null) {
            gw.close();
        }
    }

    // ---- TCP ----

    @Test
    void tcpHeaderFromTrustedPeerNamesTheClientForPolicyAndEvents() throws Exception {
        InetSocketAddress server = tcp();
        try (Socket s = connect("127.0.0.1", server)) {
            // The header arrives in two pieces, with TLVs (skipped), and the first query right behind it.
            byte[] header = ProxyHeaders.proxy(at(REAL, 40001), server, false,
                    concat(ProxyHeaders.tlv(0x04, new byte[5]), ProxyHeaders.tlv(0xEA, "vpce-0123".getBytes())));
            s.getOutputStream().write(header, 0, 10);
            s.getOutputStream().flush();
            Thread.sleep(100);
            s.getOutputStream().write(concat(java.util.Arrays.copyOfRange(header, 10, header.length),
                    framed(query("a.test", 4101))));
            Message m = DnsClient.readFramed(new DataInputStream(s.getInputStream()));
            assertThat(m.getHeader().getID()).isEqualTo(4101);
            assertThat(first(m)).isEqualTo("192.0.2.1");
            // More queries on the same connection keep the same client.
            s.getOutputStream().write(framed(query("tcp-second.a.test", 4102)));
            assertThat(DnsClient.readFramed(new DataInputStream(s.getInputStream())).getHeader().getID())
                    .isEqualTo(4102);
        }
        JsonNode e = event(d -> d.path("name").asText().equals("a.test.") && d.path("transport").asText().equals("tcp")
                && d.path("client").asText().equals(REAL));
        assertThat(e.path("client_port").asInt()).isEqualTo(40001);
        assertThat(event(d -> d.path("name").asText().equals("tcp-second.a.test.")).path("client").asText())
                .isEqualTo(REAL);
    }

    @Test
    void tcpClientDeniedByTheAccessListIsClosedByItsRealAddress() throws Exception {
        InetSocketAddress server = tcp();
        long before = stat("refusedAcl");
        try (Socket s = connect("127.0.0.1", server)) {
            s.getOutputStream().write(concat(ProxyHeaders.proxy(at(DENIED, 40002), server, false),
                    framed(query("tcp-denied.a.test", 4201))));
            // Checked once the header names the client, like DoT: closed without an answer.
            s.setSoTimeout(5000);
            int first;
            try {
                first = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertThat(first).as("closed, no answer").isEqualTo(-1);
        }
        awaitStat("refusedAcl", before + 1);
        event(d -> d.path("decision").asText().equals("refused_acl") && d.path("transport").asText().equals("tcp")
                && d.path("client").asText().equals(DENIED));
        assertThat(unbound.queriesFor("tcp-denied.a.test")).isZero();
    }

    @Test
    void tcpLocalHeaderIsServedAsTheLoadBalancerItself() throws Exception {
        InetSocketAddress server = tcp();
        try (Socket s = connect("127.0.0.1", server)) {
            s.getOutputStream().write(concat(ProxyHeaders.local(), framed(query("tcp-local.a.test", 4301))));
            Message m = DnsClient.readFramed(new DataInputStream(s.getInputStream()));
            assertThat(m.getHeader().getID()).isEqualTo(4301);
        }
        assertThat(event(d -> d.path("name").asText().equals("tcp-local.a.test.")).path("client").asText())
                .isEqualTo("127.0.0.1");
    }

    @Test
    void tcpTrustedPeerSendingAQueryInsteadOfAHeaderIsClosedAtOnceAndCounted() throws Exception {
        InetSocketAddress server = tcp();
        long before = stat("proxyHeaderRejected");
        try (Socket s = connect("127.0.0.1", server)) {
            s.getOutputStream().write(framed(query("tcp-noheader.a.test", 4401)));
            long t0 = System.nanoTime();
            assertClosed(s);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // Its first byte can start no PROXY header: not left to listen.handshake_timeout (1s).
            assertThat(ms).as("closed at once").isLessThan(700L);
        }
        awaitStat("proxyHeaderRejected", before + 1);
        assertThat(unbound.queriesFor("tcp-noheader.a.test")).isZero();
        event(d -> d.path("decision").asText().equals("malformed") && d.path("reason").asText().equals("proxy_header")
                && d.path("transport").asText().equals("tcp") && d.path("client").asText().equals("127.0.0.1"));
    }

    @Test
    void tcpTrustedPeerStallingInItsHeaderIsClosedAfterTheTimeoutAndCounted() throws Exception {
        InetSocketAddress server = tcp();
        long before = stat("proxyHeaderRejected");
        byte[] header = ProxyHeaders.proxy(at(REAL, 40004), server, false);
        try (Socket s = connect("127.0.0.1", server)) {
            s.getOutputStream().write(header, 0, 10); // and then nothing
            s.getOutputStream().flush();
            long t0 = System.nanoTime();
            assertClosed(s);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("closed after listen.handshake_timeout (1s)").isBetween(700L, 4000L);
        }
        awaitStat("proxyHeaderRejected", before + 1);
        event(d -> d.path("decision").asText().equals("malformed") && d.path("reason").asText().equals("proxy_header")
                && d.path("transport").asText().equals("tcp") && d.path("client").asText().equals("127.0.0.1"));
    }

    @Test
    void tcpTrustedPeerWithBrokenHeaderIsClosedAtOnce() throws Exception {
        InetSocketAddress server = tcp();
        long before = stat("proxyHeaderRejected");
        byte[] bad = ProxyHeaders.proxy(at(REAL, 40005), server, false);
        bad[12] = 0x31; // version 3
        try (Socket s = connect("127.0.0.1", server)) {
            s.getOutputStream().write(concat(bad, framed(query("tcp-bad.a.test", 4501))));
            long t0 = System.nanoTime();
            assertClosed(s);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(700L);
        }
        // A header longer than the bound is refused as well, without waiting for all of it.
        byte[] huge = ProxyHeaders.proxy(at(REAL, 40006), server, false, ProxyHeaders.tlv(0x04, new byte[4000]));
        try (Socket s = connect("127.0.0.1", server)) {
            s.getOutputStream().write(java.util.Arrays.copyOf(huge, 2000));
            assertClosed(s);
        }
        awaitStat("proxyHeaderRejected", before + 2);
        assertThat(unbound.queriesFor("tcp-bad.a.test")).isZero();
    }

    @Test
    void tcpTrustedPeerThatConnectsAndClosesSilentlyIsNoError() throws Exception {
        long before = stat("proxyHeaderRejected");
        try (Socket s = connect("127.0.0.1", tcp())) {
            s.shutdownOutput(); // FIN
            assertClosed(s);
        }
        try (Socket s = connect("127.0.0.1", tcp())) {
            s.setSoLinger(true, 0); // RST on close
        }
        // Past their header timeout: a connection opened after them that stalls in its header is rejected when its
        // own timeout fires, and theirs, started before it, would have fired by then. Only it is counted.
        InetSocketAddress server = tcp();
        try (Socket probe = connect("127.0.0.1", server)) {
            probe.getOutputStream().write(ProxyHeaders.proxy(at(REAL, 40008), server, false), 0, 10);
            assertClosed(probe);
        }
        awaitStat("proxyHeaderRejected", before + 1);
        assertThat(stat("proxyHeaderRejected") - 1).as("counted for the silent ones").isEqualTo(before);
    }

    @Test
    void tcpHeaderFromUntrustedPeerIsNeverHonoured() throws Exception {
        InetSocketAddress server = tcp();
        long before = stat("proxyHeaderUntrusted");
        try (Socket s = connect("127.0.0.2", server)) {
            s.getOutputStream().write(concat(ProxyHeaders.proxy(at(REAL, 40007), server, false),
                    framed(query("tcp-untrusted.a.test", 4701))));
            long t0 = System.nanoTime();
            assertClosed(s);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(700L);
        }
        awaitStat("proxyHeaderUntrusted", before + 1);
        assertThat(unbound.queriesFor("tcp-untrusted.a.test")).isZero();
        event(d -> d.path("reason").asText().equals("proxy_untrusted") && d.path("client").asText().equals("127.0.0.2"));
        // The same peer without a header is an ordinary client, served as itself.
        try (Socket s = connect("127.0.0.2", server)) {
            s.getOutputStream().write(framed(query("tcp-plain.a.test", 4702)));
            assertThat(DnsClient.readFramed(new DataInputStream(s.getInputStream())).getHeader().getID())
                    .isEqualTo(4702);
        }
        assertThat(event(d -> d.path("name").asText().equals("tcp-plain.a.test.")).path("client").asText())
                .isEqualTo("127.0.0.2");
    }

    // ---- DoT ----

    @Test
    void dotHeaderOnRawTcpThenTlsNamesTheClient() throws Exception {
        InetSocketAddress server = dot();
        try (Socket raw = connect("127.0.0.1", server)) {
            raw.getOutputStream().write(ProxyHeaders.proxy(at(REAL, 40011), server, false));
            try (SSLSocket s = tls(raw, server)) {
                assertThat(s.getApplicationProtocol()).isEqualTo("dot");
                s.getOutputStream().write(framed(query("dot-real.a.test", 5101)));
                Message m = DnsClient.readFramed(new DataInputStream(s.getInputStream()));
                assertThat(m.getHeader().getID()).isEqualTo(5101);
            }
        }
        JsonNode e = event(d -> d.path("name").asText().equals("dot-real.a.test."));
        assertThat(e.path("transport").asText()).isEqualTo("dot");
        assertThat(e.path("client").asText()).isEqualTo(REAL);
        assertThat(e.path("client_port").asInt()).isEqualTo(40011);
    }

    @Test
    void dohHeaderOnRawTcpThenTlsNamesTheClient() throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", gw.dohPort());
        try (Socket raw = connect("127.0.0.1", server)) {
            raw.getOutputStream().write(ProxyHeaders.proxy(at(REAL, 40013), server, false));
            try (SSLSocket s = tls(raw, server, "http/1.1")) {
                assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
                String dns = java.util.Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(query("doh-real.a.test", 0));
                s.getOutputStream().write(("GET /dns-query?dns=" + dns + " HTTP/1.1\r\nHost: dotgate.test\r\n"
                        + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: application/dns-message");
            }
        }
        JsonNode e = event(d -> d.path("name").asText().equals("doh-real.a.test."));
        assertThat(e.path("transport").asText()).isEqualTo("doh");
        assertThat(e.path("client").asText()).isEqualTo(REAL);
        assertThat(e.path("client_port").asInt()).isEqualTo(40013);
    }

    @Test
    void dotClientDeniedByTheAccessListIsClosedBeforeTls() throws Exception {
        InetSocketAddress server = dot();
        long before = stat("refusedAcl");
        try (Socket raw = connect("127.0.0.1", server)) {
            raw.getOutputStream().write(ProxyHeaders.proxy(at(DENIED, 40012), server, false));
            assertThatThrownBy(() -> tls(raw, server).close()).isInstanceOf(IOException.class);
        }
        awaitStat("refusedAcl", before + 1);
        event(d -> d.path("decision").asText().equals("refused_acl") && d.path("transport").asText().equals("dot")
                && d.path("client").asText().equals(DENIED));
    }

    @Test
    void dotFromUntrustedPeerWithHeaderIsClosedAndWithoutIsServed() throws Exception {
        InetSocketAddress server = dot();
        long before = stat("proxyHeaderUntrusted");
        try (Socket raw = connect("127.0.0.2", server)) {
            raw.getOutputStream().write(ProxyHeaders.proxy(at(REAL, 40013), server, false));
            assertThatThrownBy(() -> tls(raw, server).close()).isInstanceOf(IOException.class);
        }
        awaitStat("proxyHeaderUntrusted", before + 1);
        try (Socket raw = connect("127.0.0.2", server); SSLSocket s = tls(raw, server)) {
            s.getOutputStream().write(framed(query("dot-plain.a.test", 5301)));
            assertThat(DnsClient.readFramed(new DataInputStream(s.getInputStream())).getHeader().getID())
                    .isEqualTo(5301);
        }
        assertThat(event(d -> d.path("name").asText().equals("dot-plain.a.test.")).path("client").asText())
                .isEqualTo("127.0.0.2");
    }

    @Test
    void dotTrustedPeerStartingTlsWithoutHeaderIsClosed() throws Exception {
        InetSocketAddress server = dot();
        long before = stat("proxyHeaderRejected");
        try (Socket raw = connect("127.0.0.1", server)) {
            assertThatThrownBy(() -> tls(raw, server).close()).isInstanceOf(IOException.class);
        }
        awaitStat("proxyHeaderRejected", before + 1);
    }

    // ---- UDP ----

    @Test
    void udpHeaderFromTrustedPeerNamesTheClientAndTheAnswerGoesToThePeerWithoutHeader() throws Exception {
        try (DatagramSocket s = udpSocket("127.0.0.1")) {
            Message m = exchange(s, concat(ProxyHeaders.proxy(at(REAL, 40021), gw.udp(), true,
                    ProxyHeaders.tlv(0x04, new byte[3])), query("udp-real.a.test", 6101)));
            assertThat(m).as("answer to the load balancer's own address").isNotNull();
            assertThat(m.getHeader().getID()).isEqualTo(6101);
            Message v6 = exchange(s, concat(ProxyHeaders.proxy(at("2001:db8::7", 40022), at("2001:db8::53", 53), true),
                    query("udp-v6.a.test", 6102)));
            assertThat(v6.getHeader().getID()).isEqualTo(6102);
            Message local = exchange(s, concat(ProxyHeaders.local(), query("udp-local.a.test", 6103)));
            assertThat(local.getHeader().getID()).isEqualTo(6103);
            Message denied = exchange(s, concat(ProxyHeaders.proxy(at(DENIED, 40023), gw.udp(), true),
                    query("udp-denied.a.test", 6104)));
            assertThat(denied.getRcode()).isEqualTo(Rcode.REFUSED);
        }
        JsonNode e = event(d -> d.path("name").asText().equals("udp-real.a.test."));
        assertThat(e.path("transport").asText()).isEqualTo("udp");
        assertThat(e.path("client").asText()).isEqualTo(REAL);
        assertThat(e.path("client_port").asInt()).isEqualTo(40021);
        assertThat(event(d -> d.path("name").asText().equals("udp-v6.a.test.")).path("client").asText())
                .isEqualTo("2001:db8::7");
        assertThat(event(d -> d.path("name").asText().equals("udp-local.a.test.")).path("client").asText())
                .isEqualTo("127.0.0.1");
        JsonNode refused = event(d -> d.path("name").asText().equals("udp-denied.a.test."));
        assertThat(refused.path("decision").asText()).isEqualTo("refused_acl");
        assertThat(refused.path("client").asText()).isEqualTo(DENIED);
        assertThat(unbound.queriesFor("udp-denied.a.test")).isZero();
    }

    @Test
    void udpFromTrustedPeerWithoutValidHeaderIsDroppedAndCounted() throws Exception {
        long before = stat("proxyHeaderRejected");
        try (DatagramSocket s = udpSocket("127.0.0.1")) {
            assertThat(exchange(s, query("udp-noheader.a.test", 6201))).isNull();
            byte[] truncated = ProxyHeaders.proxy(at(REAL, 40024), gw.udp(), true);
            ByteBuffer.wrap(truncated).putShort(14, (short) 200); // says 200 address bytes follow: more than there are
            assertThat(exchange(s, concat(truncated, query("udp-truncated.a.test", 6202)))).isNull();
        }
        awaitStat("proxyHeaderRejected", before + 2);
        assertThat(unbound.queriesFor("udp-noheader.a.test")).isZero();
        event(d -> d.path("reason").asText().equals("proxy_header") && d.path("transport").asText().equals("udp"));
    }

    @Test
    void udpHeaderFromUntrustedPeerIsNeverHonoured() throws Exception {
        long malformedBefore = stat("udpDroppedMalformed");
        try (DatagramSocket s = udpSocket("127.0.0.2")) {
            assertThat(exchange(s, concat(ProxyHeaders.proxy(at(REAL, 40025), gw.udp(), true),
                    query("udp-untrusted.a.test", 6301)))).isNull();
            Message plain = exchange(s, query("udp-plain.a.test", 6302));
            assertThat(plain.getHeader().getID()).isEqualTo(6302);
        }
        awaitStat("udpDroppedMalformed", malformedBefore + 1);
        assertThat(unbound.queriesFor("udp-untrusted.a.test")).isZero();
        assertThat(event(d -> d.path("name").asText().equals("udp-plain.a.test.")).path("client").asText())
                .isEqualTo("127.0.0.2");
    }

    // ---- helpers ----

    static InetSocketAddress tcp() {
        return new InetSocketAddress("127.0.0.1", gw.tcpPort());
    }

    static InetSocketAddress dot() {
        return new InetSocketAddress("127.0.0.1", gw.dotPort());
    }

    static Socket connect(String from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(to, 3000);
        s.setSoTimeout(5000);
        return s;
    }

    static DatagramSocket udpSocket(String from) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0));
        s.setSoTimeout(1500);
        return s;
    }

    /** Sends one datagram to the gateway; the answer, parsed as plain DNS, or null when none came. */
    static Message exchange(DatagramSocket s, byte[] datagram) throws IOException {
        s.send(new DatagramPacket(datagram, datagram.length, gw.udp()));
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            s.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new Message(java.util.Arrays.copyOf(buf, p.getLength()));
    }

    /** TLS over an already connected socket (after the PROXY header), ALPN dot, the gateway's CA trusted. */
    static SSLSocket tls(Socket raw, InetSocketAddress server) throws Exception {
        return tls(raw, server, "dot");
    }

    /** TLS over an already connected socket, offering {@code alpn}. */
    static SSLSocket tls(Socket raw, InetSocketAddress server, String alpn) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(gw.caFile())) {
            ks.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", server.getPort(), false);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(new String[] {alpn});
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static byte[] query(String name, int id) {
        return DnsClient.query(name, Type.A, id).toWire();
    }

    static byte[] framed(byte[] msg) {
        return ByteBuffer.allocate(2 + msg.length).putShort((short) msg.length).put(msg).array();
    }

    static String first(Message m) {
        return m.getSection(Section.ANSWER).isEmpty() ? "" : m.getSection(Section.ANSWER).get(0).rdataToString();
    }

    /** Waits for the gateway to close {@code s}: end of stream or a reset, never an answer. */
    static void assertClosed(Socket s) throws IOException {
        try {
            int b = s.getInputStream().read();
            assertThat(b).as("end of stream, not data").isEqualTo(-1);
        } catch (java.net.SocketException e) {
            // reset: closed as well
        }
    }

    static long stat(String name) {
        return gw.gateway.stats().snapshot().get(name);
    }

    static void awaitStat(String name, long value) {
        Eventually.until(() -> stat(name) >= value, java.time.Duration.ofSeconds(5), name + " at " + value);
        assertThat(stat(name)).isEqualTo(value);
    }

    /** The {@code data} of the first event matching {@code p}, waiting up to 5 s for it to be written. */
    static JsonNode event(Predicate<JsonNode> p) {
        return EventLog.awaitData(events, p);
    }
}
