package dev.dotgate.wire;

import static dev.dotgate.wire.EdnsMessages.COOKIE;
import static dev.dotgate.wire.EdnsMessages.option;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Extended DNS Errors (RFC 8914) written into and read from messages in place, checked with dnsjava. */
class ExtendedErrorsTest {
    private static ByteBuf direct(byte[] wire) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(wire.length + 3).writeZero(3).writeBytes(wire);
        return b.readerIndex(3);
    }

    private static Message read(ByteBuf b) throws Exception {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return new Message(out);
    }

    private static List<EDNSOption> edes(Message m) {
        return m.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR);
    }

    @Test
    void anErrorGoesFirstInTheOptAndTheOtherOptionsStay() throws Exception {
        ByteBuf b = ExtendedErrors.withError(PooledByteBufAllocator.DEFAULT,
                direct(EdnsMessages.answer("a.test.", true, option(COOKIE, 24))), ExtendedErrors.STALE_ANSWER,
                ExtendedErrors.text("from the cache"));
        try {
            Message m = read(b);
            assertThat(m.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.A);
            assertThat(m.getOPT().getOptions()).extracting(EDNSOption::getCode)
                    .containsExactly(ExtendedErrors.OPTION, COOKIE);
            ExtendedErrorCodeOption ede = (ExtendedErrorCodeOption) edes(m).get(0);
            assertThat(ede.getErrorCode()).isEqualTo(3);
            assertThat(ede.getText()).isEqualTo("from the cache");
            assertThat(m.getSection(Section.ADDITIONAL)).hasSize(2); // the OPT and the record after it
            assertThat(ExtendedErrors.find(b)).isEqualTo(3);
        } finally {
            b.release();
        }
    }

    @Test
    void anErrorAlreadyThereIsReplaced() throws Exception {
        byte[] upstream = EdnsMessages.answer("a.test.", false, new ExtendedErrorCodeOption(22, "upstream"));
        ByteBuf b = ExtendedErrors.withError(PooledByteBufAllocator.DEFAULT, direct(upstream),
                ExtendedErrors.STALE_NXDOMAIN, null);
        try {
            Message m = read(b);
            assertThat(edes(m)).hasSize(1);
            assertThat(((ExtendedErrorCodeOption) edes(m).get(0)).getErrorCode()).isEqualTo(19);
            assertThat(((ExtendedErrorCodeOption) edes(m).get(0)).getText()).isNull();
        } finally {
            b.release();
        }
    }

    @Test
    void aMessageWithoutOptIsLeftAlone() throws Exception {
        ByteBuf in = direct(EdnsMessages.answer("a.test.", false, (EDNSOption[]) null));
        ByteBuf out = ExtendedErrors.withError(PooledByteBufAllocator.DEFAULT, in, ExtendedErrors.BLOCKED, null);
        try {
            assertThat(out).isSameAs(in);
            assertThat(read(out).getOPT()).isNull();
            assertThat(ExtendedErrors.find(out)).isEqualTo(ExtendedErrors.NONE);
        } finally {
            out.release();
        }
    }

    @Test
    void synthesizedRepliesCarryTheirErrorOnlyWhenTheQueryHadEdns() throws Exception {
        byte[] withEdns = EdnsMessages.query("ads.test.", new EDNSOption[0]);
        ByteBuf q = Unpooled.wrappedBuffer(withEdns);
        ByteBuf r = Replies.error(PooledByteBufAllocator.DEFAULT, q, QueryInfo.parse(q), Dns.RCODE_NXDOMAIN,
                ExtendedErrors.BLOCKED, ExtendedErrors.text("ads.txt"));
        ByteBuf n = Replies.nullAddress(PooledByteBufAllocator.DEFAULT, q, QueryInfo.parse(q), 60,
                ExtendedErrors.BLOCKED, null);
        byte[] noEdns = EdnsMessages.query("ads.test.", (EDNSOption[]) null);
        ByteBuf q2 = Unpooled.wrappedBuffer(noEdns);
        ByteBuf r2 = Replies.error(PooledByteBufAllocator.DEFAULT, q2, QueryInfo.parse(q2), Dns.RCODE_REFUSED,
                ExtendedErrors.PROHIBITED, null);
        try {
            Message m = read(r);
            assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
            ExtendedErrorCodeOption ede = (ExtendedErrorCodeOption) edes(m).get(0);
            assertThat(ede.getErrorCode()).isEqualTo(15);
            assertThat(ede.getText()).isEqualTo("ads.txt");
            Message nm = read(n);
            assertThat(nm.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.A);
            assertThat(((ExtendedErrorCodeOption) edes(nm).get(0)).getErrorCode()).isEqualTo(15);
            Message m2 = read(r2);
            assertThat(m2.getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(m2.getOPT()).as("no EDNS in the query, none in the reply").isNull();
        } finally {
            r.release();
            n.release();
            r2.release();
        }
    }

    @Test
    void namesAreTheRegistrysAsDigPrintsThem() {
        assertThat(ExtendedErrors.name(15)).isEqualTo("Blocked");
        assertThat(ExtendedErrors.name(22)).isEqualTo("No Reachable Authority");
        assertThat(ExtendedErrors.name(19)).isEqualTo("Stale NXDOMAIN Answer");
        assertThat(ExtendedErrors.name(27)).isEqualTo("Unsupported NSEC3 Iterations Value");
        assertThat(ExtendedErrors.name(99)).isEqualTo("Unknown");
    }
}
