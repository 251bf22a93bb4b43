package dev.dotgate.wire;

import static dev.dotgate.wire.EdnsMessages.COOKIE;
import static dev.dotgate.wire.EdnsMessages.buf;
import static dev.dotgate.wire.EdnsMessages.bytes;
import static dev.dotgate.wire.EdnsMessages.codes;
import static dev.dotgate.wire.EdnsMessages.keepaliveAsk;
import static dev.dotgate.wire.EdnsMessages.option;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The copy of a client query an upstream gets: no cookie, a subnet only when forwarded, the gateway's UDP size. */
class UpstreamCopyTest {
    private static final int SUBNET = EdnsOptions.CLIENT_SUBNET;
    private static final int NSID = 3;

    private static byte[] query(int udpSize, EDNSOption... options) throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString("a.test."), Type.A, DClass.IN));
        m.addRecord(new OPTRecord(udpSize, 0, 0, 0, List.of(options)), Section.ADDITIONAL);
        return m.toWire();
    }

    private static byte[] copy(byte[] query, Padding.UpstreamCopy copy) {
        ByteBuf q = buf(query);
        QueryInfo info = QueryInfo.parse(q);
        assertThat(info.status()).isEqualTo(QueryInfo.Status.OK);
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(Padding.maxQueryLength(query.length, copy.hop()));
        try {
            int n = Padding.writeQuery(q, info, out, copy);
            assertThat(n).isEqualTo(out.readableBytes()).isLessThanOrEqualTo(Padding.maxQueryLength(query.length,
                    copy.hop()));
            return bytes(out);
        } finally {
            out.release();
            q.release();
        }
    }

    private static EDNSOption subnet() throws Exception {
        return new ClientSubnetOption(24, java.net.InetAddress.getByName("192.0.2.0"));
    }

    private static int udpSize(byte[] wire) throws Exception {
        return new Message(wire).getOPT().getPayloadSize();
    }

    @Test
    void udpCopyLosesCookieAndSubnetAndAdvertisesTheGatewaysSize() throws Exception {
        byte[] q = query(65535, subnet(), option(COOKIE, 8), option(NSID, 0), option(EdnsOptions.PADDING, 9),
                keepaliveAsk());
        byte[] out = copy(q, new Padding.UpstreamCopy(Padding.Hop.DATAGRAM, 1232, false));
        assertThat(codes(out)).containsExactly(NSID);
        assertThat(udpSize(out)).isEqualTo(1232);
        byte[] forwarded = copy(q, new Padding.UpstreamCopy(Padding.Hop.DATAGRAM, 1400, true));
        assertThat(codes(forwarded)).containsExactly(SUBNET, NSID);
        assertThat(udpSize(forwarded)).isEqualTo(1400);
        // A small size from the client is raised too: the payload size is the gateway's own, hop by hop.
        assertThat(udpSize(copy(query(512), new Padding.UpstreamCopy(Padding.Hop.DATAGRAM, 1232, false))))
                .isEqualTo(1232);
    }

    @Test
    void streamCopiesLoseCookieAndSubnetAndKeepTheirSize() throws Exception {
        byte[] q = query(4096, option(COOKIE, 8), subnet(), option(NSID, 0));
        byte[] tcp = copy(q, new Padding.UpstreamCopy(Padding.Hop.STREAM, 0, false));
        assertThat(codes(tcp)).containsExactly(NSID, EdnsOptions.KEEPALIVE);
        assertThat(udpSize(tcp)).isEqualTo(4096);
        byte[] tls = copy(q, new Padding.UpstreamCopy(Padding.Hop.ENCRYPTED_STREAM, 0, true));
        assertThat(codes(tls)).containsExactly(SUBNET, NSID, EdnsOptions.KEEPALIVE, EdnsOptions.PADDING);
        assertThat(tls.length % Padding.QUERY_BLOCK).isZero();
    }

    @Test
    void aQueryWithoutOptIsCopiedAsItIs() throws Exception {
        byte[] plain = EdnsMessages.query("a.test.", (EDNSOption[]) null);
        assertThat(copy(plain, new Padding.UpstreamCopy(Padding.Hop.DATAGRAM, 1232, false))).isEqualTo(plain);
    }
}
