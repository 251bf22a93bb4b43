package dev.dotgate.wire;

import static dev.dotgate.wire.EdnsMessages.COOKIE;
import static dev.dotgate.wire.EdnsMessages.bytes;
import static dev.dotgate.wire.EdnsMessages.codes;
import static dev.dotgate.wire.EdnsMessages.data;
import static dev.dotgate.wire.EdnsMessages.keepalive;
import static dev.dotgate.wire.EdnsMessages.option;
import static dev.dotgate.wire.EdnsMessages.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/** Finding the OPT record and taking hop-by-hop options out of upstream answers in place. */
class EdnsOptionsTest {
    /** Strips a copy of {@code answer} held in a direct pooled buffer after 5 junk bytes (a non-zero offset). */
    private static Result strip(byte[] answer, boolean dropOpt) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(answer.length + 5).writeZero(5).writeBytes(answer);
        b.readerIndex(5);
        try {
            int keepalive = EdnsOptions.stripHopByHop(b, dropOpt);
            return new Result(keepalive, bytes(b));
        } finally {
            b.release();
        }
    }

    private record Result(int keepalive, byte[] wire) {
    }

    @Test
    void paddingAndKeepaliveAreTakenOutAndTheTimeoutReturned() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", false, option(EdnsOptions.PADDING, 390), keepalive(50),
                option(COOKIE, 24));
        Result r = strip(answer, false);
        assertThat(r.keepalive()).isEqualTo(50);
        assertThat(codes(r.wire())).containsExactly(COOKIE);
        assertThat(data(options(r.wire()).get(0))).isEqualTo(data(option(COOKIE, 24)));
        assertThat(r.wire().length).isEqualTo(answer.length - 394 - 6);
        Message m = new Message(r.wire());
        assertThat(m.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("192.0.2.1");
    }

    @Test
    void recordsAfterTheOptMoveDown() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", true, option(COOKIE, 8), option(EdnsOptions.PADDING, 100));
        int optAt = EdnsOptions.findOpt(EdnsMessages.buf(answer));
        assertThat(optAt).isPositive().isLessThan(answer.length - 30); // not the last record
        Result r = strip(answer, false);
        assertThat(r.keepalive()).isEqualTo(EdnsOptions.NO_KEEPALIVE);
        assertThat(r.wire().length).isEqualTo(answer.length - 104);
        Message m = new Message(r.wire());
        assertThat(codes(r.wire())).containsExactly(COOKIE);
        assertThat(m.getSection(Section.ADDITIONAL)).hasSize(2);
        assertThat(m.getSection(Section.ADDITIONAL).get(1).rdataToString()).isEqualTo("192.0.2.9");
    }

    @Test
    void theWholeOptGoesWhenTheClientSentNone() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", true, keepalive(0), option(EdnsOptions.PADDING, 7));
        Result r = strip(answer, true);
        assertThat(r.keepalive()).isZero();
        Message m = new Message(r.wire());
        assertThat(m.getOPT()).isNull();
        assertThat(m.getSection(Section.ADDITIONAL)).hasSize(1);
        assertThat(m.getSection(Section.ADDITIONAL).get(0).getName().toString()).isEqualTo("glue.test.");
        assertThat(m.getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void answersWithoutHopByHopOptionsAreUntouched() throws Exception {
        byte[] withCookie = EdnsMessages.answer("a.test.", false, option(COOKIE, 8));
        assertThat(strip(withCookie, false).wire()).isEqualTo(withCookie);
        byte[] noOpt = EdnsMessages.answer("a.test.", true, (EDNSOption[]) null);
        assertThat(strip(noOpt, false).wire()).isEqualTo(noOpt);
        assertThat(strip(noOpt, true).wire()).isEqualTo(noOpt);
        byte[] empty = EdnsMessages.answer("a.test.", false);
        assertThat(strip(empty, false).wire()).isEqualTo(empty);
    }

    @Test
    void keepaliveWithoutTimeoutIsStrippedButReportsNothing() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", false, EdnsMessages.keepaliveAsk());
        Result r = strip(answer, false);
        assertThat(r.keepalive()).isEqualTo(EdnsOptions.NO_KEEPALIVE);
        assertThat(codes(r.wire())).isEmpty();
    }

    @Test
    void malformedMessagesAreLeftAlone() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", false, option(EdnsOptions.PADDING, 20));
        byte[] broken = answer.clone();
        broken[broken.length - 24 + 3] = 30; // the padding option runs past the record
        assertThat(strip(broken, false).wire()).isEqualTo(broken);
        byte[] truncated = java.util.Arrays.copyOf(answer, answer.length - 10);
        assertThat(EdnsOptions.findOpt(EdnsMessages.buf(truncated))).isEqualTo(EdnsOptions.MALFORMED);
        assertThat(strip(truncated, false).wire()).isEqualTo(truncated);
    }
}
