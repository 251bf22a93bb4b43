package dev.dotgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The in-place query reader against messages built by an independent encoder (dnsjava). */
class QueryInfoTest {
    private static byte[] query(boolean edns) throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString("www.Example.com."), Type.AAAA, DClass.IN));
        if (edns) {
            m.addRecord(new OPTRecord(1232, 0, 0, org.xbill.DNS.ExtendedFlags.DO), org.xbill.DNS.Section.ADDITIONAL);
        }
        return m.toWire();
    }

    private static QueryInfo parse(byte[] b) {
        ByteBuf buf = Unpooled.wrappedBuffer(b);
        try {
            return QueryInfo.parse(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void readsQuestionAndEdns() throws Exception {
        QueryInfo plain = parse(query(false));
        assertThat(plain.status()).isEqualTo(QueryInfo.Status.OK);
        assertThat(plain.qtype()).isEqualTo(Type.AAAA);
        assertThat(plain.qclass()).isEqualTo(DClass.IN);
        assertThat(plain.hasOpt()).isFalse();
        assertThat(plain.udpSize()).isEqualTo(512);
        assertThat(plain.questionEnd()).isEqualTo(12 + 17 + 4);
        QueryInfo edns = parse(query(true));
        assertThat(edns.hasOpt()).isTrue();
        assertThat(edns.udpSize()).isEqualTo(1232);
        assertThat(edns.dnssecOk()).isTrue();
    }

    @Test
    void rejectsWhatIsNotAWellFormedQuery() throws Exception {
        byte[] q = query(true);
        assertThat(parse(Arrays.copyOf(q, 11)).status()).isEqualTo(QueryInfo.Status.SHORT);
        byte[] response = q.clone();
        response[2] |= (byte) 0x80;
        assertThat(parse(response).status()).isEqualTo(QueryInfo.Status.NOT_A_QUERY);
        byte[] update = q.clone();
        update[2] |= (byte) (5 << 3);
        assertThat(parse(update).status()).isEqualTo(QueryInfo.Status.UNSUPPORTED_OPCODE);
        assertThat(parse(Arrays.copyOf(q, 20)).status()).isEqualTo(QueryInfo.Status.MALFORMED);
        assertThat(parse(Arrays.copyOf(q, q.length + 1)).status()).isEqualTo(QueryInfo.Status.MALFORMED);
        byte[] pointer = q.clone();
        pointer[12] = (byte) 0xC0; // compression pointer in the question
        pointer[13] = 0x0C;
        assertThat(parse(pointer).status()).isEqualTo(QueryInfo.Status.MALFORMED);
        byte[] twoQuestions = q.clone();
        twoQuestions[5] = 2;
        assertThat(parse(twoQuestions).status()).isEqualTo(QueryInfo.Status.MALFORMED);
    }

    /** A record's owner must point to a prior name (RFC 1035 4.1.4): not to itself, forwards or into the header. */
    @Test
    void recordsWithBadPointersAreMalformed() throws Exception {
        Name name = Name.fromString("www.Example.com.");
        Message m = Message.newQuery(Record.newRecord(name, Type.AAAA, DClass.IN));
        m.addRecord(new org.xbill.DNS.TXTRecord(name, DClass.IN, 0, "x"), org.xbill.DNS.Section.ADDITIONAL);
        m.addRecord(new OPTRecord(1232, 0, 0), org.xbill.DNS.Section.ADDITIONAL);
        byte[] q = m.toWire();
        int owner = 12 + 17 + 4;
        assertThat(q[owner] & 0xFF).isEqualTo(0xC0); // dnsjava points the TXT owner at the question
        QueryInfo ok = parse(q);
        assertThat(ok.status()).isEqualTo(QueryInfo.Status.OK);
        assertThat(ok.hasOpt()).isTrue();
        assertThat(ok.optOffset()).isEqualTo(owner + 2 + 10 + 2);
        for (int target : new int[] {owner, owner + 2, 4, q.length}) {
            byte[] bad = q.clone();
            bad[owner + 1] = (byte) target;
            assertThat(parse(bad).status()).as("pointer to %d", target).isEqualTo(QueryInfo.Status.MALFORMED);
        }
    }

    @Test
    void questionsMatchCaseInsensitively() throws Exception {
        ByteBuf a = Unpooled.wrappedBuffer(query(false));
        Message m = Message.newQuery(Record.newRecord(Name.fromString("WWW.example.COM."), Type.AAAA, DClass.IN));
        ByteBuf b = Unpooled.wrappedBuffer(m.toWire());
        Message other = Message.newQuery(Record.newRecord(Name.fromString("www.example.com."), Type.A, DClass.IN));
        ByteBuf c = Unpooled.wrappedBuffer(other.toWire());
        try {
            assertThat(Questions.sameQuestion(a, b)).isTrue();
            assertThat(Questions.sameQuestion(a, c)).isFalse();
        } finally {
            a.release();
            b.release();
            c.release();
        }
    }
}
