package dev.dotgate.resolve;

import static dev.dotgate.resolve.Wire.answer;
import static dev.dotgate.resolve.Wire.exchange;
import static dev.dotgate.resolve.Wire.parse;
import static dev.dotgate.resolve.Wire.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.upstream.UpstreamQuery;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/** The forwarding stage over upstreams that hold their queries: one attempt, one retry, the timeout, late answers. */
class ForwardingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Wire.Replies replies = new Wire.Replies();
    private final QueryCounters counters = new QueryCounters();
    private final HeldUpstream one = new HeldUpstream("tls://192.0.2.1:853");
    private final HeldUpstream two = new HeldUpstream("tls://192.0.2.2:853");
    private final ForwardingResolver forwarding = new ForwardingResolver(
            () -> Routes.of(new UpstreamGroup(List.of(one, two)), Map.of()), TIMEOUT, counters);

    private final java.util.List<Exchange> exchanges = new java.util.ArrayList<>();

    @AfterEach
    void close() {
        for (Exchange e : exchanges) {
            assertThat(e.query().refCnt()).as("query bytes released").isZero();
        }
        for (ByteBuf r : replies.replies) {
            assertThat(r.refCnt()).isOne();
        }
        replies.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private Exchange forward(Message q) {
        Exchange e = exchange(q, channel.eventLoop(), replies, QueryLifecycleObserver.NONE);
        exchanges.add(e);
        forwarding.resolve(e);
        return e;
    }

    private static HeldUpstream sentTo(HeldUpstream a, HeldUpstream b) {
        return a.sent.isEmpty() ? b : a;
    }

    @Test
    void theUpstreamWritesTheQueryWithItsOwnIdAndItsAnswerGoesBackWithTheClients() throws Exception {
        Message q = query("a.test.", 0x1234);
        Exchange e = forward(q);
        HeldUpstream first = sentTo(one, two);
        UpstreamQuery sent = first.last();
        ByteBuf out = UnpooledByteBufAllocator.DEFAULT.buffer();
        assertThat(sent.write(out, 0xBEEF, new Padding.UpstreamCopy(Padding.Hop.STREAM, 0, false), true)).isTrue();
        assertThat(out.getUnsignedShort(0)).isEqualTo(out.readableBytes() - 2);
        assertThat(out.getUnsignedShort(2)).isEqualTo(0xBEEF);
        Message wire = new Message(io.netty.buffer.ByteBufUtil.getBytes(out, 2, out.readableBytes() - 2));
        assertThat(wire.getQuestion().getName().toString()).isEqualTo("a.test.");
        out.release();

        ByteBuf a = answer(q, 0xBEEF, "192.0.2.1");
        assertThat(sent.matches(a)).isTrue();
        sent.complete(a);
        assertThat(e.decision()).isEqualTo(Decision.FORWARDED);
        assertThat(e.upstream()).isSameAs(first);
        assertThat(Dns.id(replies.replies.get(0))).isEqualTo(0x1234);
        assertThat(e.query().refCnt()).isZero();
        // The timer went with the answer: nothing fires later.
        assertThat(channel.runScheduledPendingTasks()).as("no timer left").isEqualTo(-1);
        channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(replies.replies).hasSize(1);
        assertThat(counters.servfailTimeout.sum()).isZero();
    }

    @Test
    void aLostAttemptIsRetriedOnceOnTheOtherUpstreamThenFails() throws Exception {
        Exchange e = forward(query("a.test.", 5));
        HeldUpstream first = sentTo(one, two);
        HeldUpstream other = first == one ? two : one;
        first.last().lost(new IOException("connection closed"));
        assertThat(other.sent).as("the retry avoids the upstream that lost it").hasSize(1);
        assertThat(first.counters.errors.sum()).isOne();
        assertThat(counters.retries.sum()).isOne();
        assertThat(e.isDone()).isFalse();
        assertThat(e.forwarding().attempts()).isEqualTo(2);

        other.last().lost(new IOException("connection closed"));
        assertThat(e.decision()).isEqualTo(Decision.UPSTREAM_FAILED);
        assertThat(e.reason()).isEqualTo("attempts lost");
        assertThat(e.upstream()).isSameAs(other);
        assertThat(parse(replies.replies.get(0)).getHeader().getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(counters.retries.sum()).as("one retry only").isOne();
        assertThat(counters.servfailNoUpstream.sum()).isOne();
        assertThat(one.sent.size() + two.sent.size()).isEqualTo(2);
        // A loss reported after the end changes nothing.
        other.last().lost(new IOException("late"));
        assertThat(other.counters.errors.sum()).isOne();
        assertThat(replies.replies).hasSize(1);
    }

    @Test
    void noUpstreamAvailableFailsAtOnce() throws Exception {
        one.available = false;
        two.available = false;
        Exchange e = forward(query("a.test.", 5));
        assertThat(e.decision()).isEqualTo(Decision.UPSTREAM_FAILED);
        assertThat(e.reason()).isEqualTo("no upstream available");
        assertThat(counters.servfailNoUpstream.sum()).isOne();
        assertThat(one.sent).isEmpty();
        assertThat(two.sent).isEmpty();
    }

    @Test
    void theTimeoutAnswersServfailAndALateAnswerIsReleased() throws Exception {
        Message q = query("a.test.", 9);
        Exchange e = forward(q);
        UpstreamQuery sent = sentTo(one, two).last();
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(e.isDone()).isFalse();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(e.decision()).isEqualTo(Decision.UPSTREAM_TIMEOUT);
        assertThat(counters.servfailTimeout.sum()).isOne();
        assertThat(parse(replies.replies.get(0)).getHeader().getRcode()).isEqualTo(Rcode.SERVFAIL);

        ByteBuf late = answer(q, 9, "192.0.2.1");
        assertThat(sent.isDone()).isTrue();
        assertThat(sent.matches(late)).as("no match once completed").isFalse();
        ByteBuf out = UnpooledByteBufAllocator.DEFAULT.buffer();
        assertThat(sent.write(out, 1, new Padding.UpstreamCopy(Padding.Hop.DATAGRAM, 1232, false), false)).isFalse();
        assertThat(out.readableBytes()).isZero();
        out.release();
        sent.complete(late);
        assertThat(late.refCnt()).isZero();
        assertThat(replies.replies).hasSize(1);
        assertThat(e.query().refCnt()).isZero();
    }

    @Test
    void aPrefetchsFailuresAreNotCounted() throws Exception {
        Exchange client = exchange(query("a.test.", 9), channel.eventLoop(), replies, QueryLifecycleObserver.NONE);
        Exchange refresh = client.internalCopy(Responder.DISCARD);
        exchanges.add(client);
        exchanges.add(refresh);
        one.available = false;
        two.available = false;
        forwarding.resolve(refresh);
        assertThat(refresh.decision()).isEqualTo(Decision.UPSTREAM_FAILED);
        assertThat(counters.servfailNoUpstream.sum()).isZero();
        assertThat(refresh.query().refCnt()).isZero();
        client.fail(Dns.RCODE_SERVFAIL);
    }
}
