package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The merged answer of a followed local CNAME, built from dnsjava messages and read back with dnsjava. */
class CnameChaseTest {
    private static Name n(String s) {
        return Name.fromConstantString(s);
    }

    private static byte[] chain() {
        Message m = new Message(77);
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.AA);
        m.getHeader().setFlag(Flags.RD);
        m.addRecord(Record.newRecord(n("Docs.home.arpa."), Type.A, DClass.IN), Section.QUESTION);
        m.addRecord(new CNAMERecord(n("docs.home.arpa."), DClass.IN, 300, n("www.example.com.")), Section.ANSWER);
        m.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        return m.toWire();
    }

    private static Message target(int rcode, Record... answers) {
        Message m = new Message(5);
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        m.addRecord(Record.newRecord(n("www.example.com."), Type.A, DClass.IN), Section.QUESTION);
        for (Record r : answers) {
            m.addRecord(r, Section.ANSWER);
        }
        return m;
    }

    @Test
    void theTargetsRecordsFollowTheChain() throws Exception {
        Message target = target(Rcode.NOERROR,
                new ARecord(n("www.example.com."), DClass.IN, 60, java.net.InetAddress.getByName("192.0.2.9")));
        target.addRecord(new SOARecord(n("example.com."), DClass.IN, 60, n("ns.example.com."),
                n("h.example.com."), 1, 2, 3, 4, 5), Section.AUTHORITY);
        Message out = new Message(CnameChase.merge(chain(), target.toWire()));
        assertThat(out.getHeader().getID()).isEqualTo(77);
        assertThat(out.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(out.getQuestion().getName().toString()).isEqualTo("Docs.home.arpa.");
        assertThat(out.getSection(Section.ANSWER)).extracting(Record::rdataToString)
                .containsExactly("www.example.com.", "192.0.2.9");
        assertThat(out.getSection(Section.AUTHORITY)).as("an answer needs no SOA").isEmpty();
        assertThat(out.getOPT()).as("the client's EDNS answer stays").isNotNull();
        assertThat(out.getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void aMissingTargetGivesItsRcodeAndAuthority() throws Exception {
        Message target = target(Rcode.NXDOMAIN);
        target.addRecord(new SOARecord(n("example.com."), DClass.IN, 60, n("ns.example.com."),
                n("h.example.com."), 1, 2, 3, 4, 5), Section.AUTHORITY);
        Message out = new Message(CnameChase.merge(chain(), target.toWire()));
        assertThat(out.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(out.getSection(Section.ANSWER)).hasSize(1);
        assertThat(out.getSection(Section.AUTHORITY)).singleElement()
                .satisfies(r -> assertThat(r.getName()).isEqualTo(n("example.com.")));
        assertThat(new Message(CnameChase.merge(chain(), target(Rcode.SERVFAIL).toWire())).getRcode())
                .isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void aTargetChainEndingInNodataKeepsItsSoa() throws Exception {
        Message target = target(Rcode.NOERROR,
                new CNAMERecord(n("www.example.com."), DClass.IN, 60, n("edge.example.net.")));
        target.addRecord(new SOARecord(n("example.net."), DClass.IN, 60, n("ns.example.net."),
                n("h.example.net."), 1, 2, 3, 4, 5), Section.AUTHORITY);
        Message out = new Message(CnameChase.merge(chain(), target.toWire()));
        assertThat(out.getSection(Section.ANSWER)).hasSize(2);
        assertThat(out.getSection(Section.AUTHORITY)).as("the SOA for negative caching (RFC 2308)").singleElement()
                .satisfies(r -> assertThat(r.getName()).isEqualTo(n("example.net.")));
    }

    @Test
    void anUnreadableTargetAnswerIsAnError() {
        assertThatThrownBy(() -> CnameChase.merge(chain(), new byte[] {1, 2, 3})).isInstanceOf(IOException.class);
    }
}
