package dev.dotgate.server.doh;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** DoH freshness (RFC 8484 5.1) from the TTL walk the cache stores answers by. */
class DohAnswerTest {
    private static String cacheControl(byte[] wire) {
        ByteBuf buf = Unpooled.wrappedBuffer(wire);
        try {
            return DohAnswer.cacheControl(buf).toString();
        } finally {
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }

    private static Message answer(int rcode) throws Exception {
        Name n = Name.fromString("a.example.");
        Message m = Message.newQuery(Record.newRecord(n, Type.A, DClass.IN));
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        return m;
    }

    private static Message withSoa(int rcode, long ttl, long minimum) throws Exception {
        Message m = answer(rcode);
        Name zone = Name.fromString("example.");
        m.addRecord(new SOARecord(zone, DClass.IN, ttl, Name.fromString("ns.example."),
                Name.fromString("h.example."), 1, 2, 3, 4, minimum), Section.AUTHORITY);
        return m;
    }

    @Test
    void maxAgeIsTheSmallestTtlWithTheSoaCountingItsNegativeTtl() throws Exception {
        Message a = answer(Rcode.NOERROR);
        a.addRecord(new ARecord(Name.fromString("a.example."), DClass.IN, 300, InetAddress.getByName("192.0.2.1")),
                Section.ANSWER);
        assertThat(cacheControl(a.toWire())).isEqualTo("max-age=300");
        assertThat(cacheControl(withSoa(Rcode.NXDOMAIN, 3600, 60).toWire())).isEqualTo("max-age=60");
        assertThat(cacheControl(withSoa(Rcode.NXDOMAIN, 45, 60).toWire())).isEqualTo("max-age=45");
        assertThat(cacheControl(withSoa(Rcode.NOERROR, 3600, 86400).toWire())).isEqualTo("max-age=3600");
        assertThat(cacheControl(withSoa(Rcode.SERVFAIL, 3600, 60).toWire())).isEqualTo("no-store");
        assertThat(cacheControl(answer(Rcode.NOERROR).toWire())).isEqualTo("no-store");
    }

    @Test
    void fromTtlsAlreadyAtHand() {
        assertThat(DohAnswer.cacheControl(0, 0).toString()).isEqualTo("max-age=0");
        assertThat(DohAnswer.cacheControl(3, 300).toString()).isEqualTo("max-age=300");
        assertThat(DohAnswer.cacheControl(0, 86400).toString()).isEqualTo("max-age=86400");
        assertThat(DohAnswer.cacheControl(0, -1).toString()).isEqualTo("no-store");
        assertThat(DohAnswer.cacheControl(2, 300).toString()).isEqualTo("no-store");
        assertThat(DohAnswer.cacheControl(5, 300).toString()).isEqualTo("no-store");
    }

    /** The old DoH walk gave these a max-age; the cache's walk, now shared, refuses them. */
    @Test
    void answersTheCacheWouldRefuseAsUnreadableAreNotStored() throws Exception {
        byte[] nx = withSoa(Rcode.NXDOMAIN, 3600, 60).toWire();
        assertThat(cacheControl(Arrays.copyOf(nx, nx.length + 1))).isEqualTo("no-store"); // trailing byte
        // The SOA's RNAME pointer aimed at itself: RDATA long enough for the old "last 4 bytes" reading.
        byte[] loop = nx.clone();
        int rname = loop.length - 20 - 2;
        assertThat(loop[rname] & 0xC0).isEqualTo(0xC0); // dnsjava wrote RNAME h.example. as "h" and a pointer
        loop[rname] = (byte) (0xC0 | (rname >>> 8));
        loop[rname + 1] = (byte) rname;
        assertThat(cacheControl(loop)).isEqualTo("no-store");
    }
}
