package dev.dotgate.wire;

import static dev.dotgate.wire.EdnsMessages.COOKIE;
import static dev.dotgate.wire.EdnsMessages.buf;
import static dev.dotgate.wire.EdnsMessages.bytes;
import static dev.dotgate.wire.EdnsMessages.codes;
import static dev.dotgate.wire.EdnsMessages.data;
import static dev.dotgate.wire.EdnsMessages.keepalive;
import static dev.dotgate.wire.EdnsMessages.keepaliveAsk;
import static dev.dotgate.wire.EdnsMessages.option;
import static dev.dotgate.wire.EdnsMessages.options;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/** Padding and keepalive written into copies of messages, read back with dnsjava. */
class PaddingTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static byte[] upstream(byte[] query, Padding.Hop hop) {
        ByteBuf q = buf(query);
        QueryInfo info = QueryInfo.parse(q);
        assertThat(info.status()).isEqualTo(QueryInfo.Status.OK);
        ByteBuf out = ALLOC.directBuffer(Padding.maxQueryLength(query.length, hop));
        try {
            int n = Padding.writeQuery(q, info, out, hop);
            assertThat(n).isEqualTo(out.readableBytes()).isLessThanOrEqualTo(Padding.maxQueryLength(query.length, hop));
            assertThat(q.readerIndex()).isZero();
            return bytes(out);
        } finally {
            out.release();
            q.release();
        }
    }

    private static byte[] answer(byte[] answer, boolean pad, int keepalive) {
        ByteBuf a = buf(answer);
        ByteBuf out = ALLOC.directBuffer(answer.length + Padding.MAX_ANSWER_GROWTH);
        try {
            int n = Padding.writeAnswer(a, out, pad, keepalive);
            assertThat(n).isEqualTo(out.readableBytes()).isLessThanOrEqualTo(answer.length + Padding.MAX_ANSWER_GROWTH);
            return bytes(out);
        } finally {
            out.release();
            a.release();
        }
    }

    private static EDNSOption last(byte[] wire) throws Exception {
        List<EDNSOption> o = options(wire);
        return o.get(o.size() - 1);
    }

    @Test
    void tlsQueryIsPaddedTo128KeepingOtherOptionsAndAskingForKeepalive() throws Exception {
        byte[] query = EdnsMessages.query("www.example.com.", option(COOKIE, 8));
        byte[] out = upstream(query, Padding.Hop.ENCRYPTED_STREAM);
        assertThat(out.length % 128).isZero();
        assertThat(out.length).isEqualTo(128);
        assertThat(codes(out)).containsExactly(COOKIE, EdnsOptions.KEEPALIVE, EdnsOptions.PADDING);
        assertThat(data(options(out).get(0))).isEqualTo(data(option(COOKIE, 8)));
        assertThat(data(options(out).get(1))).isEmpty();
        assertThat(data(last(out))).containsOnly(0);
        Message m = new Message(out);
        assertThat(m.getQuestion().getName().toString()).isEqualTo("www.example.com.");
        assertThat(m.getOPT().getPayloadSize()).isEqualTo(1232);
    }

    @Test
    void tlsQueryReplacesTheClientsPaddingAndKeepalive() throws Exception {
        byte[] query = EdnsMessages.query("a.test.", option(EdnsOptions.PADDING, 300), keepaliveAsk(),
                option(COOKIE, 8));
        assertThat(query.length).isGreaterThan(300);
        byte[] out = upstream(query, Padding.Hop.ENCRYPTED_STREAM);
        assertThat(out.length).isEqualTo(128);
        assertThat(codes(out)).containsExactly(COOKIE, EdnsOptions.KEEPALIVE, EdnsOptions.PADDING);
    }

    @Test
    void tlsQueryWithoutOptGetsOne() throws Exception {
        byte[] query = EdnsMessages.query("a.test.", (EDNSOption[]) null);
        byte[] out = upstream(query, Padding.Hop.ENCRYPTED_STREAM);
        assertThat(out.length).isEqualTo(128);
        Message m = new Message(out);
        assertThat(m.getSection(Section.ADDITIONAL)).hasSize(1);
        assertThat(m.getOPT().getDClass()).isEqualTo(Dns.OUR_UDP_SIZE);
        assertThat(m.getOPT().getFlags()).isZero();
        assertThat(codes(out)).containsExactly(EdnsOptions.KEEPALIVE, EdnsOptions.PADDING);
    }

    @Test
    void everyQueryLengthLandsOnA128Boundary() throws Exception {
        // An experimental option (RFC 6891 local use) of 0 to 127 bytes gives queries of every length modulo 128.
        boolean sawZeroPadding = false;
        for (int extra = 0; extra < 128; extra++) {
            byte[] query = EdnsMessages.query("www.example.com.", option(65001, extra));
            byte[] out = upstream(query, Padding.Hop.ENCRYPTED_STREAM);
            assertThat(out.length % 128).as("query of %d bytes", query.length).isZero();
            assertThat(out.length - query.length).isBetween(8, 8 + 127);
            int padding = data(last(out)).length;
            assertThat(padding).isBetween(0, 127);
            sawZeroPadding |= padding == 0;
        }
        assertThat(sawZeroPadding).isTrue();
    }

    @Test
    void tcpQueryAsksForKeepaliveWithoutPadding() throws Exception {
        byte[] query = EdnsMessages.query("a.test.", option(EdnsOptions.PADDING, 50), option(COOKIE, 8));
        byte[] out = upstream(query, Padding.Hop.STREAM);
        assertThat(codes(out)).containsExactly(COOKIE, EdnsOptions.KEEPALIVE);
        assertThat(out.length).isEqualTo(query.length - 54 + 4);
        // Without an OPT nothing is added: the answer must not come back with EDNS the client did not use.
        byte[] plain = EdnsMessages.query("a.test.", (EDNSOption[]) null);
        assertThat(upstream(plain, Padding.Hop.STREAM)).isEqualTo(plain);
    }

    @Test
    void udpQueryLosesHopByHopOptionsAndIsOtherwiseCopied() throws Exception {
        byte[] query = EdnsMessages.query("a.test.", option(EdnsOptions.PADDING, 50), keepaliveAsk(),
                option(COOKIE, 8));
        byte[] out = upstream(query, Padding.Hop.DATAGRAM);
        assertThat(codes(out)).containsExactly(COOKIE);
        byte[] clean = EdnsMessages.query("a.test.", option(COOKIE, 8));
        assertThat(upstream(clean, Padding.Hop.DATAGRAM)).isEqualTo(clean);
        byte[] cleanWithId = out.clone(); // same bytes but the ID:
        System.arraycopy(clean, 0, cleanWithId, 0, 2); // dnsjava chose another random ID
        assertThat(cleanWithId).isEqualTo(clean);
    }

    @Test
    void answerIsPaddedTo468WithKeepaliveWhenAsked() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", false, option(COOKIE, 24), option(EdnsOptions.PADDING, 10));
        byte[] out = answer(answer, true, 300);
        assertThat(out.length).isEqualTo(468);
        assertThat(codes(out)).containsExactly(COOKIE, EdnsOptions.KEEPALIVE, EdnsOptions.PADDING);
        assertThat(data(options(out).get(1))).containsExactly(1, 44); // 300 = 0x012C
        Message m = new Message(out);
        assertThat(m.getSection(Section.ANSWER)).hasSize(1);
        assertThat(m.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("192.0.2.1");

        byte[] keepaliveOnly = answer(answer, false, 300);
        assertThat(codes(keepaliveOnly)).containsExactly(COOKIE, EdnsOptions.KEEPALIVE);
        byte[] padOnly = answer(answer, true, EdnsOptions.NO_KEEPALIVE);
        assertThat(padOnly.length).isEqualTo(468);
        assertThat(codes(padOnly)).containsExactly(COOKIE, EdnsOptions.PADDING);
    }

    @Test
    void answerWithARecordAfterTheOptKeepsIt() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", true, keepalive(5), option(COOKIE, 8));
        byte[] out = answer(answer, true, EdnsOptions.NO_KEEPALIVE);
        assertThat(out.length).isEqualTo(468);
        Message m = new Message(out);
        assertThat(codes(out)).containsExactly(COOKIE, EdnsOptions.PADDING);
        assertThat(m.getSection(Section.ADDITIONAL)).hasSize(2);
        assertThat(m.getSection(Section.ADDITIONAL).get(1).getName().toString()).isEqualTo("glue.test.");
        assertThat(m.getSection(Section.ADDITIONAL).get(1).rdataToString()).isEqualTo("192.0.2.9");
    }

    @Test
    void answerWithoutOptGetsOneWhenPadded() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", false, (EDNSOption[]) null);
        assertThat(answer(answer, false, EdnsOptions.NO_KEEPALIVE)).isEqualTo(answer);
        byte[] out = answer(answer, true, EdnsOptions.NO_KEEPALIVE);
        assertThat(out.length).isEqualTo(468);
        assertThat(codes(out)).containsExactly(EdnsOptions.PADDING);
    }

    @Test
    void largeAnswersArePaddedUpTo65520AndNotBeyond65535() throws Exception {
        // 65520 = 140 * 468 is the last block boundary a DNS message can reach.
        byte[] fits = EdnsMessages.answerBetween(65000, 65500, option(COOKIE, 8));
        byte[] out = answer(fits, true, EdnsOptions.NO_KEEPALIVE);
        assertThat(out.length).isEqualTo(65520);
        assertThat(codes(out)).containsExactly(COOKIE, EdnsOptions.PADDING);

        byte[] tooBig = EdnsMessages.answerBetween(65517, 65525, option(COOKIE, 8));
        byte[] unpadded = answer(tooBig, true, EdnsOptions.NO_KEEPALIVE);
        assertThat(codes(unpadded)).containsExactly(COOKIE);
        assertThat(unpadded).isEqualTo(tooBig);
    }

    @Test
    void paddingLengthAtBoundaries() {
        assertThat(Padding.paddingLength(124, 128, 65535)).isZero();
        assertThat(Padding.paddingLength(125, 128, 65535)).isEqualTo(127);
        assertThat(Padding.paddingLength(0, 128, 65535)).isEqualTo(124);
        assertThat(Padding.paddingLength(464, 468, 65535)).isZero();
        assertThat(Padding.paddingLength(465, 468, 65535)).isEqualTo(467);
        assertThat(Padding.paddingLength(65516, 468, 65535)).isZero();
        assertThat(Padding.paddingLength(65517, 468, 65535)).isEqualTo(-1);
    }

    @Test
    void malformedAnswerIsCopiedUnchanged() {
        byte[] junk = {0, 1, (byte) 0x81, (byte) 0x80, 0, 1, 0, 0, 0, 0, 0, 1, 7, 'x'};
        assertThat(answer(junk, true, 10)).isEqualTo(junk);
    }

    @Test
    void padResponseTakesOwnershipAndPads() throws Exception {
        byte[] answer = EdnsMessages.answer("a.test.", false, option(COOKIE, 8));
        ByteBuf in = ALLOC.directBuffer().writeBytes(answer);
        ByteBuf out = Padding.padResponse(in, ALLOC);
        try {
            assertThat(in.refCnt()).isZero();
            assertThat(out.readableBytes()).isEqualTo(468);
            assertThat(codes(bytes(out))).containsExactly(COOKIE, EdnsOptions.PADDING);
        } finally {
            out.release();
        }
    }

    @Test
    void queryInfoSeesPaddingAndKeepalive() throws Exception {
        byte[] both = EdnsMessages.query("a.test.", option(COOKIE, 8), option(EdnsOptions.PADDING, 3), keepaliveAsk());
        QueryInfo info = QueryInfo.parse(Unpooled.wrappedBuffer(both));
        assertThat(info.padding()).isTrue();
        assertThat(info.keepalive()).isTrue();
        assertThat(info.optOffset()).isEqualTo(info.questionEnd());
        assertThat(both[info.optOffset()]).isZero();
        QueryInfo none = QueryInfo.parse(Unpooled.wrappedBuffer(EdnsMessages.query("a.test.", option(COOKIE, 8))));
        assertThat(none.padding()).isFalse();
        assertThat(none.keepalive()).isFalse();
        QueryInfo noOpt = QueryInfo.parse(Unpooled.wrappedBuffer(EdnsMessages.query("a.test.", (EDNSOption[]) null)));
        assertThat(noOpt.optOffset()).isEqualTo(-1);

        byte[] broken = both.clone();
        broken[broken.length - 4 - 7 - 12 + 3] = 100; // the cookie option claims 100 bytes
        assertThat(QueryInfo.parse(Unpooled.wrappedBuffer(broken)).status()).isEqualTo(QueryInfo.Status.MALFORMED);
    }
}
