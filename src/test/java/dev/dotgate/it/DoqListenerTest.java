package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The DNS-over-QUIC listener (RFC 9250), driven by a client written on Netty's QUIC API ({@link DoqClient}, not
 * the gateway's upstream code; Debian 12 packages no DoQ client): answers on the query's own stream with ID 0,
 * many streams at once on one connection, events with transport "doq", ALPN other than doq refused, a client
 * outside the encrypted access list closed, a message ID
 * other than 0 or a second message on a stream closing the connection with DOQ_PROTOCOL_ERROR, and DDR
 * advertising alpn=doq.
 */
@ExtendWith(LeakCheck.class)
class DoqListenerTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @TempDir
    Path tmp;

    private static GatewayFixture gateway(String extra) throws Exception {
        return servers.gateway(b -> b.toml("[listen]\ndoq = [\"127.0.0.1:0\"]\n" + extra));
    }

    private static InetSocketAddress doq(GatewayFixture gw) {
        return new InetSocketAddress("127.0.0.1", gw.doqPort());
    }

    @Test
    void queriesOnStreamsOfOneConnectionAreAnsweredWithIdZero() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        try (GatewayFixture gw = gateway("[events]\nsink = \"" + events + "\"\n");
                DoqClient c = DoqClient.connect(doq(gw), gw.caFile(), "dotgate.test")) {
            Message m = c.query(DnsClient.query("a.test", Type.A, 1234));
            assertThat(m.getHeader().getID()).isZero();
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(m.getSection(1).get(0).rdataToString()).isEqualTo("192.0.2.1");
            List<CompletableFuture<Message>> many = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Message q = DnsClient.query("n" + i + ".bench.test", Type.A, 0);
                many.add(c.exchange(q.toWire(), true));
            }
            for (CompletableFuture<Message> f : many) {
                assertThat(f.get(5, TimeUnit.SECONDS).getRcode()).isEqualTo(Rcode.NOERROR);
            }
            assertThat(LimitsSupport.metric(gw, "dotgate_queries_total", "transport=\"doq\"")).isEqualTo(51);
            assertThat(LimitsSupport.metric(gw, "dotgate_client_connections", "transport=\"doq\"")).isOne();
            Eventually.until(() -> java.nio.file.Files.exists(events)
                    && java.nio.file.Files.readString(events).contains("\"transport\":\"doq\""),
                    java.time.Duration.ofSeconds(5), "an event with transport doq");
        }
    }

    @Test
    void aMessageIdOtherThanZeroOrASecondMessageIsAProtocolError() throws Exception {
        try (GatewayFixture gw = gateway("")) {
            try (DoqClient c = DoqClient.connect(doq(gw), gw.caFile(), "dotgate.test")) {
                c.exchange(DnsClient.query("a.test", Type.A, 77).toWire(), true);
                QuicConnectionCloseEvent e = c.closeEvent().get(5, TimeUnit.SECONDS);
                assertThat(e.isApplicationClose()).isTrue();
                assertThat(e.error()).as("DOQ_PROTOCOL_ERROR").isEqualTo(0x2);
            }
            try (DoqClient c = DoqClient.connect(doq(gw), gw.caFile(), "dotgate.test")) {
                byte[] q = DnsClient.query("a.test", Type.A, 0).toWire();
                io.netty.buffer.ByteBuf two = io.netty.buffer.Unpooled.buffer(); // two framed messages, one stream
                two.writeShort(q.length).writeBytes(q).writeShort(q.length).writeBytes(q);
                c.send(two, true);
                assertThat(c.closeEvent().get(5, TimeUnit.SECONDS).error()).isEqualTo(0x2);
            }
            // The listener serves on.
            try (DoqClient c = DoqClient.connect(doq(gw), gw.caFile(), "dotgate.test")) {
                assertThat(c.query(DnsClient.query("a.test", Type.A, 0)).getRcode()).isEqualTo(Rcode.NOERROR);
            }
        }
    }

    @Test
    void anotherAlpnIsRefusedAndDdrAdvertisesDoq() throws Exception {
        try (GatewayFixture gw = gateway("")) {
            assertThatThrownBy(() -> DoqClient.connect(doq(gw), gw.caFile(), "dotgate.test", "dot").close())
                    .as("ALPN dot over QUIC").isNotNull();
            Proc.Result r = Proc.run(10, "dig", "@127.0.0.1", "-p", String.valueOf(gw.udpPort()),
                    "_dns.resolver.arpa", "SVCB", "+tries=1");
            assertThat(r.out()).containsPattern("SVCB\\s+\\d+ dotgate\\.test\\. alpn=\"?doq\"? port=\"?"
                    + gw.doqPort());
        }
    }

    @Test
    void aClientOutsideTheEncryptedAccessListIsClosed() throws Exception {
        try (GatewayFixture gw = gateway("[acl.dot]\ndeny = [\"127.0.0.1/32\"]\n");
                DoqClient c = DoqClient.connect(doq(gw), gw.caFile(), "dotgate.test")) {
            assertThat(c.closeEvent().get(5, TimeUnit.SECONDS).isApplicationClose()).isTrue();
            Eventually.until(() -> LimitsSupport.metric(gw, "dotgate_connections_refused_acl_total") == 1,
                    java.time.Duration.ofSeconds(5), "the refusal counted");
            // Reported as DoT and DoH refusals at accept are: one refused_acl for the connection.
            assertThat(LimitsSupport.metric(gw, "dotgate_queries_total", "transport=\"doq\"",
                    "decision=\"refused_acl\"")).isOne();
        }
    }
}
