package dev.dotgate.policy.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Local records from configuration text, answered as dnsjava parses them. */
class LocalRecordsTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static final LocalRecords HOME = LocalRecords.parse(List.of(
            "nas.home.arpa. 600 IN A 192.168.1.10",
            "nas.home.arpa AAAA fd00::10",
            "printer.home.arpa CNAME nas.home.arpa",
            "home.arpa TXT \"hello world\" \"second string\"",
            "10.1.168.192.in-addr.arpa PTR nas.home.arpa",
            "router.home.arpa IN 120 A 192.168.1.1",
            "gw.home.arpa A 192.168.1.1",
            "www.home.arpa 60 CNAME printer.home.arpa.",
            "docs.home.arpa CNAME docs.example.com."));

    private static byte[] query(String name, int type, int id, boolean edns, boolean dnssecOk) throws IOException {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        m.getHeader().setID(id);
        if (edns) {
            m.addRecord(new OPTRecord(4096, 0, 0, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
        }
        return m.toWire();
    }

    /** The raw answer to {@code query}, or null; the buffer is released. */
    private static byte[] answerBytes(LocalRecords records, byte[] query) {
        ByteBuf q = Unpooled.wrappedBuffer(query);
        try {
            ByteBuf a = records.answer(q, QueryInfo.parse(q), ALLOC);
            if (a == null) {
                return null;
            }
            try {
                return ByteBufUtil.getBytes(a);
            } finally {
                a.release();
            }
        } finally {
            q.release();
        }
    }

    private static Message ask(LocalRecords records, String name, int type) throws IOException {
        byte[] a = answerBytes(records, query(name, type, 0x5151, false, false));
        return a == null ? null : new Message(a);
    }

    private static List<String> answers(Message m) {
        return m.getSection(Section.ANSWER).stream()
                .map(r -> r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + r.rdataToString())
                .toList();
    }

    private static void assertAuthoritative(Message m) {
        assertThat(m.getHeader().getID()).isEqualTo(0x5151);
        assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(m.getHeader().getFlag(Flags.RA)).isTrue();
        assertThat(m.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void everyTypeIsAnswered() throws Exception {
        Message a = ask(HOME, "nas.home.arpa.", Type.A);
        assertAuthoritative(a);
        assertThat(answers(a)).containsExactly("nas.home.arpa. 600 A 192.168.1.10");
        assertThat(a.getSection(Section.AUTHORITY)).isEmpty();
        assertThat(answers(ask(HOME, "nas.home.arpa.", Type.AAAA)))
                .containsExactly("nas.home.arpa. 300 AAAA fd00:0:0:0:0:0:0:10"); // the default TTL
        assertThat(answers(ask(HOME, "printer.home.arpa.", Type.CNAME)))
                .containsExactly("printer.home.arpa. 300 CNAME nas.home.arpa.");
        Message txt = ask(HOME, "home.arpa.", Type.TXT);
        assertAuthoritative(txt);
        assertThat(((TXTRecord) txt.getSection(Section.ANSWER).get(0)).getStrings())
                .containsExactly("hello world", "second string");
        Message ptr = ask(HOME, "10.1.168.192.in-addr.arpa.", Type.PTR);
        assertAuthoritative(ptr);
        assertThat(answers(ptr)).containsExactly("10.1.168.192.in-addr.arpa. 300 PTR nas.home.arpa.");
        assertThat(answers(ask(HOME, "router.home.arpa.", Type.A))).containsExactly("router.home.arpa. 120 A 192.168.1.1");
    }

    @Test
    void aAndAaaaRecordsGetPtrRecords() throws Exception {
        Message v6 = ask(HOME, "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", Type.PTR);
        assertAuthoritative(v6);
        assertThat(answers(v6)).containsExactly(
                "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. 300 PTR nas.home.arpa.");
        // Two names on one address: a PTR for each, as one RRset with the smaller of the A records' TTLs.
        assertThat(answers(ask(HOME, "1.1.168.192.in-addr.arpa.", Type.PTR))).containsExactlyInAnyOrder(
                "1.1.168.192.in-addr.arpa. 120 PTR router.home.arpa.",
                "1.1.168.192.in-addr.arpa. 120 PTR gw.home.arpa.");
        // 192.168.1.10 has an explicit PTR: none derived besides it (checked in everyTypeIsAnswered).
        assertThat(ask(HOME, "10.1.168.192.in-addr.arpa.", Type.PTR).getSection(Section.ANSWER)).hasSize(1);
        assertThat(HOME.size()).isEqualTo(8 + 2); // eight configured names (nas twice), two derived reverse names
    }

    @Test
    void aCnameToALocalNameBringsTheTargetsRecords() throws Exception {
        Message a = ask(HOME, "printer.home.arpa.", Type.A);
        assertAuthoritative(a);
        assertThat(answers(a)).containsExactly("printer.home.arpa. 300 CNAME nas.home.arpa.",
                "nas.home.arpa. 600 A 192.168.1.10");
        Message twoHops = ask(HOME, "www.home.arpa.", Type.AAAA);
        assertThat(answers(twoHops)).containsExactly("www.home.arpa. 60 CNAME printer.home.arpa.",
                "printer.home.arpa. 300 CNAME nas.home.arpa.", "nas.home.arpa. 300 AAAA fd00:0:0:0:0:0:0:10");
        // The target lacks the type: the chain and the target's SOA.
        Message nodata = ask(HOME, "printer.home.arpa.", Type.TXT);
        assertAuthoritative(nodata);
        assertThat(answers(nodata)).containsExactly("printer.home.arpa. 300 CNAME nas.home.arpa.");
        assertThat(nodata.getSection(Section.AUTHORITY).get(0).getName()).hasToString("nas.home.arpa.");
        // A target elsewhere: the CNAME alone here; the policy step asks the target and adds its answer.
        Message external = ask(HOME, "docs.home.arpa.", Type.A);
        assertAuthoritative(external);
        assertThat(answers(external)).containsExactly("docs.home.arpa. 300 CNAME docs.example.com.");
        assertThat(external.getSection(Section.AUTHORITY)).isEmpty();
        assertThat(externalTarget("docs.home.arpa.", Type.A)).hasToString("docs.example.com.");
        assertThat(externalTarget("docs.home.arpa.", Type.CNAME)).as("the chain is the whole answer").isNull();
        assertThat(externalTarget("docs.home.arpa.", Type.ANY)).isNull();
        assertThat(externalTarget("www.home.arpa.", Type.A)).as("the chain ends at a local name").isNull();
        assertThat(externalTarget("nas.home.arpa.", Type.A)).isNull();
        assertThat(externalTarget("elsewhere.example.", Type.A)).isNull();
    }

    private static Name externalTarget(String name, int type) throws IOException {
        ByteBuf q = Unpooled.wrappedBuffer(query(name, type, 1, false, false));
        try {
            return HOME.externalTarget(q, QueryInfo.parse(q));
        } finally {
            q.release();
        }
    }

    @Test
    void aLocalNameWithoutTheTypeIsNodataWithAnSoa() throws Exception {
        Message m = ask(HOME, "nas.home.arpa.", Type.MX);
        assertAuthoritative(m);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
        SOARecord soa = (SOARecord) m.getSection(Section.AUTHORITY).get(0);
        assertThat(soa.getName()).hasToString("nas.home.arpa.");
        assertThat(soa.getTTL()).isEqualTo(AnswerTemplates.NEGATIVE_TTL);
        assertThat(soa.getMinimum()).isEqualTo(AnswerTemplates.NEGATIVE_TTL);
        assertThat(soa.getAdmin()).hasToString("hostmaster.nas.home.arpa.");
        assertThat(m.getQuestion().getType()).isEqualTo(Type.MX);
        Message cname = ask(HOME, "nas.home.arpa.", Type.CNAME);
        assertThat(cname.getSection(Section.ANSWER)).isEmpty();
        assertThat(cname.getSection(Section.AUTHORITY)).hasSize(1);
    }

    @Test
    void anyReturnsEveryRecordAtTheName() throws Exception {
        Message m = ask(HOME, "nas.home.arpa.", Type.ANY);
        assertAuthoritative(m);
        assertThat(answers(m)).containsExactlyInAnyOrder("nas.home.arpa. 600 A 192.168.1.10",
                "nas.home.arpa. 300 AAAA fd00:0:0:0:0:0:0:10");
        assertThat(answers(ask(HOME, "printer.home.arpa.", Type.ANY)))
                .containsExactly("printer.home.arpa. 300 CNAME nas.home.arpa.");
    }

    @Test
    void otherNamesAndClassesGoOn() throws Exception {
        assertThat(ask(HOME, "example.com.", Type.A)).isNull();
        assertThat(ask(HOME, "x.nas.home.arpa.", Type.A)).isNull();   // below a local name
        assertThat(ask(HOME, "arpa.", Type.A)).isNull();              // above one
        assertThat(ask(HOME, "nas.home.arpa.example.", Type.A)).isNull();
        assertThat(ask(LocalRecords.empty(), "nas.home.arpa.", Type.A)).isNull();
        Message chaos = Message.newQuery(Record.newRecord(Name.fromString("nas.home.arpa."), Type.TXT, DClass.CH));
        assertThat(answerBytes(HOME, chaos.toWire())).isNull();
        Message any = Message.newQuery(Record.newRecord(Name.fromString("nas.home.arpa."), Type.A, DClass.ANY));
        assertThat(answerBytes(HOME, any.toWire())).isNotNull();
        byte[] malformed = Arrays.copyOf(query("nas.home.arpa.", Type.A, 1, false, false), 20);
        assertThat(answerBytes(HOME, malformed)).isNull();
    }

    @Test
    void namesMatchInAnyCaseAndTheQuestionComesBackAsAsked() throws Exception {
        byte[] q = query("NaS.HoMe.ArPa.", Type.A, 0x5151, false, false);
        q[2] &= ~0x01; // RD=0
        byte[] a = answerBytes(HOME, q);
        int questionLength = 15 + 4;
        assertThat(Arrays.copyOfRange(a, 12, 12 + questionLength)).isEqualTo(Arrays.copyOfRange(q, 12, 12 + questionLength));
        Message m = new Message(a);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("NaS.HoMe.ArPa.");
        assertThat(m.getHeader().getFlag(Flags.RD)).isFalse();
        assertThat(answers(m)).hasSize(1);
        assertThat(m.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("192.168.1.10");
    }

    @Test
    void ednsIsEchoedOnlyWhenTheQueryUsedIt() throws Exception {
        Message edns = new Message(answerBytes(HOME, query("nas.home.arpa.", Type.A, 1, true, true)));
        OPTRecord opt = edns.getOPT();
        assertThat(opt.getPayloadSize()).isEqualTo(1232);
        assertThat(opt.getFlags()).isEqualTo(ExtendedFlags.DO);
        assertThat(edns.getSection(Section.ANSWER)).hasSize(1);
        Message nodata = new Message(answerBytes(HOME, query("nas.home.arpa.", Type.MX, 1, true, false)));
        assertThat(nodata.getOPT().getFlags()).isZero();
        assertThat(nodata.getSection(Section.AUTHORITY)).hasSize(1);
        Message plain = new Message(answerBytes(HOME, query("nas.home.arpa.", Type.A, 1, false, false)));
        assertThat(plain.getOPT()).isNull();
        assertThat(plain.getHeader().getCount(Section.ADDITIONAL)).isZero();
    }

    @Test
    void duplicatesCollapseAndAnRrsetSharesItsSmallestTtl() throws Exception {
        LocalRecords r = LocalRecords.parse(List.of("a.lan A 10.0.0.1", "A.LAN. 30 A 10.0.0.2", "a.lan 900 A 10.0.0.1"));
        assertThat(answers(ask(r, "a.lan.", Type.A))).containsExactlyInAnyOrder("a.lan. 30 A 10.0.0.1",
                "a.lan. 30 A 10.0.0.2");
        assertThat(r.size()).isEqualTo(3);
    }

    @Test
    void unusableEntriesAreNamedWithTheirIndexAndText() {
        assertRejected(List.of("ok.lan A 10.0.0.1", "mail.lan MX 10 mx.lan"), 1, "mail.lan MX 10 mx.lan",
                "type MX is not supported");
        assertRejected(List.of("nas.lan A 1.2.3"), 0, "nas.lan A 1.2.3", "Invalid address: 1.2.3");
        assertRejected(List.of("nas.lan AAAA 192.168.1.1"), 0, "nas.lan AAAA 192.168.1.1", "Invalid address");
        assertRejected(List.of("nas.lan A"), 0, "nas.lan A", "has no data for its A record");
        assertRejected(List.of("nas.lan TXT"), 0, "nas.lan TXT", "has no data");
        assertRejected(List.of("nas.lan"), 0, "nas.lan", "has no record type");
        assertRejected(List.of("nas.lan 300 IN"), 0, "nas.lan 300 IN", "has no record type");
        assertRejected(List.of("nas.lan FOO bar"), 0, "nas.lan FOO bar", "'FOO' is not a record type");
        assertRejected(List.of("nas.lan 1x A 10.0.0.1"), 0, "nas.lan 1x A 10.0.0.1", "'1x' is not a TTL");
        assertRejected(List.of("nas.lan CH A 10.0.0.1"), 0, "nas.lan CH A 10.0.0.1", "class CH is not supported");
        assertRejected(List.of("nas.lan A 10.0.0.1 10.0.0.2"), 0, "nas.lan A 10.0.0.1 10.0.0.2", "unexpected tokens");
        assertRejected(List.of("  "), 0, "  ", "is empty");
        assertRejected(List.of("$INCLUDE /etc/passwd"), 0, "$INCLUDE /etc/passwd", "directives");
        assertRejected(List.of("*.lan A 10.0.0.1"), 0, "*.lan A 10.0.0.1", "wildcard");
        assertRejected(List.of("bad..lan A 10.0.0.1"), 0, "bad..lan A 10.0.0.1", "empty label");
        assertRejected(List.of("a.lan A 10.0.0.1", "a.lan CNAME b.lan"), 1, "a.lan CNAME b.lan", "CNAME");
        assertRejected(List.of("a.lan CNAME b.lan", "a.lan TXT x"), 1, "a.lan TXT x", "CNAME");
        assertRejected(List.of("a.lan CNAME b.lan", "a.lan CNAME c.lan"), 1, "a.lan CNAME c.lan", "CNAME");
        assertRejected(List.of("a.lan CNAME b.lan", "b.lan CNAME a.lan"), 0, "a.lan CNAME b.lan", "loops");
    }

    private static void assertRejected(List<String> entries, int index, String text, String problem) {
        assertThatThrownBy(() -> LocalRecords.parse(entries))
                .isInstanceOfSatisfying(LocalRecordException.class, e -> {
                    assertThat(e.index()).isEqualTo(index);
                    assertThat(e.text()).isEqualTo(text);
                    assertThat(e.problem()).contains(problem);
                    assertThat(e.getMessage()).startsWith("[" + index + "] '" + text + "': ").contains(problem);
                })
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRepeatedCnameIsOneRecord() throws Exception {
        LocalRecords r = LocalRecords.parse(List.of("a.lan CNAME b.lan", "a.lan. 300 IN CNAME B.lan."));
        assertThat(answers(ask(r, "a.lan.", Type.A))).containsExactly("a.lan. 300 CNAME b.lan.");
    }
}
