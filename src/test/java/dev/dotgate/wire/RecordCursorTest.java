package dev.dotgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The one record walk, against messages written by an independent encoder (dnsjava) and cut or bent by hand. */
class RecordCursorTest {
    /** What the cursor saw of one entry, offsets relative to the message start. */
    record Entry(int section, int type, int nameStart, int nameEnd, int ttlOffset, long ttl, int rdStart, int rdEnd) {
    }

    /** The walk of {@code wire}: its entries, whether it ended malformed and whether at the last byte. */
    record Walk(List<Entry> entries, boolean malformed, boolean atEnd) {
    }

    static Walk walk(byte[] wire) {
        // The message sits behind 5 bytes of something else, so absolute and relative offsets differ.
        ByteBuf buf = Unpooled.buffer(wire.length + 5).writeZero(5).writeBytes(wire);
        buf.readerIndex(5);
        try {
            RecordCursor c = new RecordCursor(buf);
            List<Entry> entries = new ArrayList<>();
            while (c.next()) {
                assertThat(c.messageStart()).isEqualTo(5);
                boolean q = c.section() == RecordCursor.QUESTION;
                entries.add(new Entry(c.section(), c.type(), c.nameStart() - 5, c.nameEnd() - 5,
                        q ? -1 : c.ttlOffset() - 5, q ? -1 : c.ttl(), c.rdataStart() - 5, c.rdataEnd() - 5));
            }
            assertThat(c.next()).isFalse(); // stays at the end
            assertThat(buf.readerIndex()).isEqualTo(5);
            assertThat(buf.writerIndex()).isEqualTo(wire.length + 5);
            return new Walk(entries, c.malformed(), c.atEnd());
        } finally {
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }

    /** {@link RecordCursor#soaMinimum()} of the first SOA record of {@code wire} (-2 without one). */
    static long soaMinimum(byte[] wire) {
        ByteBuf buf = Unpooled.wrappedBuffer(wire);
        try {
            RecordCursor c = new RecordCursor(buf);
            while (c.next()) {
                if (c.type() == Type.SOA) {
                    return c.soaMinimum();
                }
            }
            return -2;
        } finally {
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }

    /**
     * www.example.com. A: two A answers, an NS and an SOA in authority, a glue A and an OPT in additional. dnsjava
     * compresses every owner name after the question.
     */
    static Message answer() throws Exception {
        Name www = Name.fromString("www.example.com.");
        Name zone = Name.fromString("example.com.");
        Name ns = Name.fromString("ns1.example.com.");
        Message m = Message.newQuery(Record.newRecord(www, Type.A, DClass.IN));
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(Rcode.NOERROR);
        m.addRecord(new ARecord(www, DClass.IN, 300, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
        m.addRecord(new ARecord(www, DClass.IN, 200, InetAddress.getByName("192.0.2.2")), Section.ANSWER);
        m.addRecord(new NSRecord(zone, DClass.IN, 86400, ns), Section.AUTHORITY);
        m.addRecord(new SOARecord(zone, DClass.IN, 3600, ns, Name.fromString("hostmaster.example.com."), 1, 2, 3,
                4, 60), Section.AUTHORITY);
        m.addRecord(new ARecord(ns, DClass.IN, 100, InetAddress.getByName("192.0.2.53")), Section.ADDITIONAL);
        m.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return m;
    }

    private static byte[] withShort(byte[] wire, int at, int value) {
        byte[] b = wire.clone();
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
        return b;
    }

    @Test
    void walksEverySectionOfACompressedAnswerAtDnsjavasOffsets() throws Exception {
        byte[] wire = answer().toWire();
        Walk w = walk(wire);
        assertThat(w.malformed()).isFalse();
        assertThat(w.atEnd()).isTrue();
        assertThat(w.entries()).extracting(Entry::section).containsExactly(RecordCursor.QUESTION,
                RecordCursor.ANSWER, RecordCursor.ANSWER, RecordCursor.AUTHORITY, RecordCursor.AUTHORITY,
                RecordCursor.ADDITIONAL, RecordCursor.ADDITIONAL);
        assertThat(w.entries()).extracting(Entry::type).containsExactly(Type.A, Type.A, Type.A, Type.NS, Type.SOA,
                Type.A, Type.OPT);
        // The question: www.example.com. written out (17 bytes) at 12, then type and class.
        assertThat(w.entries().get(0)).isEqualTo(new Entry(RecordCursor.QUESTION, Type.A, 12, 29, -1, -1, 33, 33));
        // The first answer: a pointer to the question name, TYPE CLASS TTL RDLENGTH, four bytes of address.
        assertThat(w.entries().get(1)).isEqualTo(new Entry(RecordCursor.ANSWER, Type.A, 33, 35, 39, 300, 45, 49));
        assertThat(w.entries().get(2)).isEqualTo(new Entry(RecordCursor.ANSWER, Type.A, 49, 51, 55, 200, 61, 65));
        assertThat(w.entries()).extracting(Entry::ttl).containsExactly(-1L, 300L, 200L, 86400L, 3600L, 100L, 0L);
        // Every record follows the one before, and the last ends at the last byte.
        for (int k = 1; k < w.entries().size(); k++) {
            Entry e = w.entries().get(k);
            assertThat(e.nameStart()).isEqualTo(w.entries().get(k - 1).rdEnd());
            assertThat(e.ttlOffset()).isEqualTo(e.nameEnd() + 4);
            assertThat(e.rdStart()).isEqualTo(e.nameEnd() + 10);
            assertThat(e.rdEnd() - e.rdStart()).isEqualTo(((wire[e.rdStart() - 2] & 0xFF) << 8)
                    | (wire[e.rdStart() - 1] & 0xFF));
        }
        assertThat(w.entries().get(6).rdEnd()).isEqualTo(wire.length);
        // The RDATA bounds are dnsjava's: the glue address bytes.
        Entry glue = w.entries().get(5);
        assertThat(Arrays.copyOfRange(wire, glue.rdStart(), glue.rdEnd())).containsExactly(192, 0, 2, 53);
        // The OPT: root owner, class = payload size.
        Entry opt = w.entries().get(6);
        assertThat(opt.nameEnd() - opt.nameStart()).isEqualTo(1);
    }

    @Test
    void readsTheSoaMinimumAndTheClassInPlace() throws Exception {
        byte[] wire = answer().toWire();
        assertThat(soaMinimum(wire)).isEqualTo(60);
        ByteBuf buf = Unpooled.wrappedBuffer(wire);
        try {
            RecordCursor c = new RecordCursor(buf);
            List<Integer> classes = new ArrayList<>();
            while (c.next()) {
                classes.add(c.dnsClass());
            }
            assertThat(classes).containsExactly(1, 1, 1, 1, 1, 1, 1232);
        } finally {
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }

    @Test
    void anSoaThatIsNotTwoNamesAndTwentyBytesHasNoMinimum() throws Exception {
        Message m = answer();
        byte[] wire = m.toWire();
        Walk w = walk(wire);
        Entry soa = w.entries().get(4);
        // Lengthen the RDATA by one byte (and the message with it): MINIMUM is no longer the last 4 bytes of 20.
        byte[] longer = new byte[wire.length + 1];
        System.arraycopy(wire, 0, longer, 0, soa.rdEnd());
        System.arraycopy(wire, soa.rdEnd(), longer, soa.rdEnd() + 1, wire.length - soa.rdEnd());
        longer = withShort(longer, soa.rdStart() - 2, soa.rdEnd() - soa.rdStart() + 1);
        Walk lengthened = walk(longer);
        assertThat(lengthened.malformed()).isFalse(); // the walk itself is fine
        assertThat(lengthened.atEnd()).isTrue();
        assertThat(soaMinimum(longer)).isEqualTo(-1);
    }

    @Test
    void truncatedRdataAndRecordsPastTheEndAreMalformed() throws Exception {
        byte[] wire = answer().toWire();
        Walk cut = walk(Arrays.copyOf(wire, wire.length - 1)); // the OPT's fixed part runs past the end
        assertThat(cut.malformed()).isTrue();
        assertThat(cut.atEnd()).isFalse();
        assertThat(cut.entries()).hasSize(6); // everything before it was read
        Entry second = walk(wire).entries().get(2);
        Walk rdata = walk(Arrays.copyOf(wire, second.rdEnd() - 1)); // inside the second answer's address
        assertThat(rdata.malformed()).isTrue();
        assertThat(rdata.entries()).hasSize(2);
        Walk counted = walk(withShort(wire, 6, 3)); // ANCOUNT says 3: the records shift and the last runs out
        assertThat(counted.malformed()).isTrue();
        byte[] longRdata = withShort(wire, second.rdStart() - 2, 0xFFFF);
        assertThat(walk(longRdata).malformed()).isTrue();
        assertThat(walk(longRdata).entries()).hasSize(2);
        assertThat(walk(new byte[11]).malformed()).isTrue();
        assertThat(walk(new byte[11]).entries()).isEmpty();
    }

    @Test
    void trailingBytesAreLeftToTheCaller() throws Exception {
        byte[] wire = answer().toWire();
        Walk w = walk(Arrays.copyOf(wire, wire.length + 3));
        assertThat(w.malformed()).isFalse();
        assertThat(w.atEnd()).isFalse();
        assertThat(w.entries()).hasSize(7);
    }

    @Test
    void pointersMustPointBackIntoTheMessageBody() throws Exception {
        byte[] wire = answer().toWire();
        Entry first = walk(wire).entries().get(1);
        assertThat(wire[first.nameStart()] & 0xFF).isEqualTo(0xC0); // dnsjava wrote a pointer to the question
        assertThat(wire[first.nameStart() + 1]).isEqualTo((byte) 12);
        // To itself: the shortest loop.
        Walk self = walk(withShort(wire, first.nameStart(), 0xC000 | first.nameStart()));
        assertThat(self.malformed()).isTrue();
        assertThat(self.entries()).hasSize(1);
        // Forward, to the next record's owner (which points back here would be a two-step loop).
        Entry second = walk(wire).entries().get(2);
        assertThat(walk(withShort(wire, first.nameStart(), 0xC000 | second.nameStart())).malformed()).isTrue();
        // Into the header, and past the end of the message.
        assertThat(walk(withShort(wire, first.nameStart(), 0xC000 | 4)).malformed()).isTrue();
        assertThat(walk(withShort(wire, first.nameStart(), 0xC000 | 0x3FFF)).malformed()).isTrue();
        // A pointer whose second byte is past the end.
        byte[] half = Arrays.copyOf(wire, first.nameStart() + 1);
        assertThat(walk(half).malformed()).isTrue();
        // A pointer in the first name of a message can only point into the header or at itself.
        assertThat(walk(withShort(wire, 12, 0xC00C)).malformed()).isTrue();
        // A pointer inside SOA RDATA gets the same check.
        Entry soa = walk(wire).entries().get(4);
        byte[] soaLoop = withShort(wire, soa.rdStart(), 0xC000 | soa.rdStart());
        assertThat(soaMinimum(soaLoop)).isEqualTo(-1);
        assertThat(soaMinimum(wire)).isEqualTo(60);
    }

    @Test
    void badLabelsAndOverlongNamesAreMalformed() throws Exception {
        byte[] wire = answer().toWire();
        byte[] labelType = wire.clone();
        labelType[12] = 0x43; // label type 01 (extended): not a length
        assertThat(walk(labelType).malformed()).isTrue();
        byte[] labelType10 = wire.clone();
        labelType10[12] = (byte) 0x83;
        assertThat(walk(labelType10).malformed()).isTrue();
        // A question name of 4 labels of 63 bytes: 256 bytes written out, one more than a name may have.
        byte[] big = new byte[Dns.HEADER_LENGTH + 4 * 64 + 1 + 4];
        big[5] = 1;
        for (int l = 0; l < 4; l++) {
            big[Dns.HEADER_LENGTH + l * 64] = 63;
        }
        assertThat(walk(big).malformed()).isTrue();
        // 3 labels of 63 and one of 61: 255 bytes with the root, the longest allowed.
        big[Dns.HEADER_LENGTH + 3 * 64] = 61;
        byte[] longest = Arrays.copyOf(big, Dns.HEADER_LENGTH + 3 * 64 + 62 + 1 + 4);
        Walk ok = walk(longest);
        assertThat(ok.malformed()).isFalse();
        assertThat(ok.atEnd()).isTrue();
        assertThat(ok.entries().get(0).nameEnd() - ok.entries().get(0).nameStart()).isEqualTo(255);
    }

    @Test
    void anOptStandsOnceInTheAdditionalSectionAtTheRoot() throws Exception {
        Message m = answer();
        byte[] wire = m.toWire();
        Entry opt = walk(wire).entries().get(6);
        // Two OPT records.
        byte[] twice = Arrays.copyOf(wire, wire.length + (opt.rdEnd() - opt.nameStart()));
        System.arraycopy(wire, opt.nameStart(), twice, wire.length, opt.rdEnd() - opt.nameStart());
        twice = withShort(twice, 10, 3);
        Walk two = walk(twice);
        assertThat(two.malformed()).isTrue();
        assertThat(two.entries()).hasSize(7);
        // An OPT counted in the authority section: NSCOUNT 5, ARCOUNT 0, the same records.
        Walk inAuthority = walk(withShort(withShort(wire, 8, 5), 10, 0));
        assertThat(inAuthority.malformed()).isTrue();
        // An OPT owned by a name other than the root: the glue record's type changed to OPT.
        Entry glue = walk(wire).entries().get(5);
        assertThat(walk(withShort(wire, glue.nameEnd(), Type.OPT)).malformed()).isTrue();
    }
}
