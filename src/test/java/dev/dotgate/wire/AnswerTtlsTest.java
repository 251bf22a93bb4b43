package dev.dotgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The one TTL walk the cache and DoH share, against dnsjava's messages. */
class AnswerTtlsTest {
    static AnswerTtls ttls(byte[] wire) {
        ByteBuf buf = Unpooled.buffer(wire.length + 3).writeZero(3).writeBytes(wire);
        buf.readerIndex(3);
        try {
            AnswerTtls t = AnswerTtls.of(buf);
            assertThat(AnswerTtls.min(buf)).as("min without offsets").isEqualTo(t.min());
            return t;
        } finally {
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }

    /** NXDOMAIN for nothere.example. with an SOA of {@code ttl} and {@code minimum} in authority. */
    static Message nxdomain(long ttl, long minimum) throws Exception {
        Name zone = Name.fromString("example.");
        Message m = Message.newQuery(Record.newRecord(Name.fromString("nothere.example."), Type.A, DClass.IN));
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(Rcode.NXDOMAIN);
        m.addRecord(new SOARecord(zone, DClass.IN, ttl, Name.fromString("ns.example."),
                Name.fromString("h.example."), 1, 2, 3, 4, minimum), Section.AUTHORITY);
        return m;
    }

    @Test
    void offsetsAndTtlsOfEveryRecordButTheOpt() throws Exception {
        byte[] wire = RecordCursorTest.answer().toWire();
        AnswerTtls t = ttls(wire);
        RecordCursorTest.Walk w = RecordCursorTest.walk(wire);
        assertThat(t.readable()).isTrue();
        assertThat(t.hasOpt()).isTrue();
        assertThat(t.count()).isEqualTo(5);
        for (int k = 0; k < 5; k++) {
            assertThat(t.offset(k)).isEqualTo(w.entries().get(k + 1).ttlOffset());
        }
        assertThat(t.offsets()).containsExactly(39, 55, w.entries().get(3).ttlOffset(),
                w.entries().get(4).ttlOffset(), w.entries().get(5).ttlOffset());
        // The SOA (TTL 3600, MINIMUM 60) in authority counts for 60.
        assertThat(new long[] {t.ttl(0), t.ttl(1), t.ttl(2), t.ttl(3), t.ttl(4)})
                .containsExactly(300, 200, 86400, 60, 100);
        assertThat(t.min()).isEqualTo(60);
        assertThat(t.negativeTtl()).isEqualTo(60);
    }

    @Test
    void theNegativeTtlIsTheSmallerOfSoaTtlAndMinimum() throws Exception {
        assertThat(ttls(nxdomain(3600, 60).toWire()).negativeTtl()).isEqualTo(60);
        assertThat(ttls(nxdomain(3600, 60).toWire()).min()).isEqualTo(60);
        assertThat(ttls(nxdomain(30, 60).toWire()).negativeTtl()).isEqualTo(30);
        assertThat(ttls(nxdomain(30, 60).toWire()).min()).isEqualTo(30);
        // RFC 2181 section 8: a TTL or MINIMUM with the top bit set reads as 0.
        assertThat(ttls(nxdomain(3600, 0x80000000L).toWire()).negativeTtl()).isZero();
        byte[] topBit = nxdomain(3600, 60).toWire();
        int ttlAt = ttls(topBit).offset(0);
        topBit[ttlAt] = (byte) 0x80;
        assertThat(ttls(topBit).ttl(0)).isZero();
    }

    @Test
    void anSoaOutsideTheAuthoritySectionIsAnOrdinaryRecord() throws Exception {
        Message m = nxdomain(3600, 60);
        Record soa = m.getSection(Section.AUTHORITY).get(0);
        m.removeAllRecords(Section.AUTHORITY);
        m.getHeader().setRcode(Rcode.NOERROR);
        m.addRecord(soa, Section.ANSWER);
        AnswerTtls t = ttls(m.toWire());
        assertThat(t.min()).isEqualTo(3600);
        assertThat(t.negativeTtl()).isEqualTo(AnswerTtls.NONE);
    }

    @Test
    void noRecordsNoTtl() throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString("a.example."), Type.A, DClass.IN));
        m.getHeader().setFlag(Flags.QR);
        AnswerTtls t = ttls(m.toWire());
        assertThat(t.readable()).isTrue();
        assertThat(t.count()).isZero();
        assertThat(t.min()).isEqualTo(AnswerTtls.NONE);
        assertThat(t.negativeTtl()).isEqualTo(AnswerTtls.NONE);
        assertThat(t.hasOpt()).isFalse();
    }

    @Test
    void whatTheCursorRefusesAndABentSoaAreUnreadable() throws Exception {
        byte[] wire = RecordCursorTest.answer().toWire();
        for (byte[] bad : new byte[][] {
                Arrays.copyOf(wire, wire.length - 1), // truncated
                Arrays.copyOf(wire, wire.length + 1), // a trailing byte
                Arrays.copyOf(wire, 11)}) {           // shorter than a header
            AnswerTtls t = ttls(bad);
            assertThat(t.readable()).isFalse();
            assertThat(t.count()).isZero();
            assertThat(t.min()).isEqualTo(AnswerTtls.NONE);
        }
        // An authority SOA whose RDATA is one byte short of two names and 20 bytes.
        byte[] nx = nxdomain(3600, 60).toWire();
        RecordCursorTest.Entry soa = RecordCursorTest.walk(nx).entries().get(1);
        byte[] shortSoa = Arrays.copyOf(nx, nx.length - 1);
        int rdLength = soa.rdEnd() - soa.rdStart() - 1;
        shortSoa[soa.rdStart() - 2] = (byte) (rdLength >>> 8);
        shortSoa[soa.rdStart() - 1] = (byte) rdLength;
        assertThat(ttls(shortSoa).readable()).isFalse();
        // A forward pointer in an owner name.
        byte[] forward = wire.clone();
        forward[33] = (byte) 0xC0;
        forward[34] = (byte) 49;
        assertThat(ttls(forward).readable()).isFalse();
    }
}
