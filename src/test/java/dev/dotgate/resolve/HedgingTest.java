package dev.dotgate.resolve;

import static dev.dotgate.resolve.Wire.answer;
import static dev.dotgate.resolve.Wire.exchange;
import static dev.dotgate.resolve.Wire.parse;
import static dev.dotgate.resolve.Wire.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.upstream.UpstreamHealth;
import dev.dotgate.upstream.UpstreamQuery;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Choosing among upstreams and hedging, over upstreams that hold their queries on an embedded loop whose clock the
 * test moves: the fastest upstream by measured round trips, the ordered one while it is up, a second send when the
 * first is slow (the first answer wins, either way), losses while a second send is out, the hedge budget, and an
 * upstream marked down after failures in a row and up again when it answers.
 */
class HedgingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Wire.Replies replies = new Wire.Replies();
    private final QueryCounters counters = new QueryCounters();
    private final HeldUpstream one = new HeldUpstream("tls://192.0.2.1:853");
    private final HeldUpstream two = new HeldUpstream("tls://192.0.2.2:853");
    private final List<Exchange> exchanges = new ArrayList<>();

    @AfterEach
    void close() {
        for (Exchange e : exchanges) {
            assertThat(e.query().refCnt()).as("query bytes released").isZero();
        }
        replies.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private Exchange forward(UpstreamGroup group, Message q) {
        Exchange e = exchange(q, channel.eventLoop(), replies, QueryLifecycleObserver.NONE);
        exchanges.add(e);
        new ForwardingResolver(() -> Routes.of(group, Map.of()), TIMEOUT, counters).resolve(e);
        return e;
    }

    private void advanceMillis(long ms) {
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private static void answerAll(HeldUpstream u) {
        for (UpstreamQuery q : u.sent) {
            if (!q.isDone()) {
                q.complete(answerFor(q));
            }
        }
    }

    /** An answer to what {@code q} asks, with its own question (ID 0: the held upstream writes none). */
    private static ByteBuf answerFor(UpstreamQuery q) {
        ByteBuf out = io.netty.buffer.Unpooled.buffer();
        q.write(out, 0, new dev.dotgate.wire.Padding.UpstreamCopy(dev.dotgate.wire.Padding.Hop.STREAM, 0, false),
                false);
        out.setByte(2, out.getByte(2) | 0x80); // QR
        return out;
    }

    @Test
    void fastestPicksTheUpstreamWithTheLowerSmoothedRoundTrip() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.FASTEST, false);
        one.health.answered(TimeUnit.MILLISECONDS.toNanos(60));
        assertThat(group.select(null)).as("one never measured goes first").isSameAs(two);
        two.health.answered(TimeUnit.MILLISECONDS.toNanos(1));
        for (int i = 0; i < 20; i++) {
            assertThat(group.select(null)).isSameAs(two);
        }
        assertThat(group.select(two)).as("a retry goes elsewhere").isSameAs(one);
        // Two grows slow: its average passes one's after some samples and one takes over.
        for (int i = 0; i < 40; i++) {
            two.health.answered(TimeUnit.MILLISECONDS.toNanos(200));
        }
        assertThat(group.select(null)).isSameAs(one);
    }

    @Test
    void orderedKeepsToTheFirstUntilItIsDownThenComesBack() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.ORDERED, false);
        assertThat(group.select(null)).isSameAs(one);
        for (int i = 0; i < UpstreamHealth.DOWN_AFTER; i++) {
            assertThat(one.health.isDown()).isFalse();
            one.health.failed();
        }
        assertThat(one.health.isDown()).isTrue();
        assertThat(one.counters.downs.sum()).isOne();
        one.health.failed();
        assertThat(one.counters.downs.sum()).as("going down counted once").isOne();
        assertThat(group.select(null)).isSameAs(two);
        two.available = false;
        assertThat(group.select(null)).as("a down upstream rather than none").isSameAs(one);
        two.available = true;
        one.health.answered(TimeUnit.MILLISECONDS.toNanos(5));
        assertThat(one.health.isDown()).isFalse();
        assertThat(one.counters.recoveries.sum()).isOne();
        assertThat(group.select(null)).isSameAs(one);
    }

    @Test
    void aSlowFirstUpstreamIsHedgedAndTheSecondAnswerWins() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.ORDERED, true);
        one.health.answered(TimeUnit.MILLISECONDS.toNanos(2)); // usually 2 ms: hedge after 10 ms (the floor)
        Message q = query("a.test.", 7);
        Exchange e = forward(group, q);
        assertThat(one.sent).hasSize(1);
        advanceMillis(9);
        assertThat(two.sent).as("not before the first's usual time").isEmpty();
        advanceMillis(1);
        assertThat(two.sent).as("hedged to the next upstream").hasSize(1);
        assertThat(counters.hedges.sum()).isOne();
        assertThat(two.counters.hedges.sum()).isOne();
        assertThat(e.forwarding().attempts()).isEqualTo(2);

        answerAll(two);
        assertThat(e.decision()).isEqualTo(Decision.FORWARDED);
        assertThat(e.upstream()).as("the upstream that answered").isSameAs(two);
        assertThat(counters.hedgeWins.sum()).isOne();
        assertThat(two.counters.hedgeWins.sum()).isOne();
        assertThat(parse(replies.replies.get(0)).getHeader().getID()).isEqualTo(7);
        // The first one's late answer is released, not sent.
        ByteBuf late = answer(q, 0, "192.0.2.1");
        assertThat(one.last().matches(late)).isFalse();
        one.last().complete(late);
        assertThat(late.refCnt()).isZero();
        assertThat(replies.replies).hasSize(1);
        assertThat(channel.runScheduledPendingTasks()).as("no timer left").isEqualTo(-1);
    }

    @Test
    void whenTheFirstAnswersAfterTheHedgeItWins() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.ORDERED, true);
        Exchange e = forward(group, query("a.test.", 8));
        advanceMillis(TIMEOUT.toMillis() / 3); // never measured: the hedge waits a third of the timeout
        assertThat(two.sent).hasSize(1);
        answerAll(one);
        assertThat(e.upstream()).isSameAs(one);
        assertThat(counters.hedgeWins.sum()).isZero();
        assertThat(one.health.unmeasured()).isFalse();
    }

    @Test
    void aLossWhileTheOtherIsOutWaitsForIt() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.ORDERED, true);
        Exchange e = forward(group, query("a.test.", 9));
        advanceMillis(TIMEOUT.toMillis() / 3);
        one.last().lost(new IOException("connection closed"));
        assertThat(e.isDone()).as("the hedge may still answer").isFalse();
        assertThat(counters.retries.sum()).isZero();
        assertThat(one.counters.errors.sum()).isOne();
        two.last().lost(new IOException("connection closed"));
        assertThat(e.decision()).isEqualTo(Decision.UPSTREAM_FAILED);
        assertThat(parse(replies.replies.get(0)).getHeader().getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(one.sent.size() + two.sent.size()).isEqualTo(2);
    }

    @Test
    void withoutHedgingNothingIsSentTwiceBeforeTheTimeout() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.ORDERED, false);
        Exchange e = forward(group, query("a.test.", 10));
        advanceMillis(TIMEOUT.toMillis() - 1);
        assertThat(two.sent).isEmpty();
        advanceMillis(1);
        assertThat(e.decision()).isEqualTo(Decision.UPSTREAM_TIMEOUT);
        assertThat(one.health.sinceLastSampleNanos()).isNotNegative();
    }

    @Test
    void hedgesAreAtMostATenthOfTheQueries() throws Exception {
        UpstreamGroup group = new UpstreamGroup(List.of(one, two), UpstreamGroup.Strategy.ORDERED, true);
        int taken = 0;
        for (int i = 0; i < 50; i++) {
            group.select(null);
            taken += group.takeHedge() ? 1 : 0;
        }
        assertThat(taken).as("the floor of 10 a second").isEqualTo(10);
        for (int i = 0; i < 500; i++) {
            group.select(null);
        }
        assertThat(group.takeHedge()).as("a tenth of 550 queries").isTrue();
    }
}
