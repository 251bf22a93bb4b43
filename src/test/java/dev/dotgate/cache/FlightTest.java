package dev.dotgate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.QueryCounters;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The cache stage's flights on one event loop, with a clock the test moves: identical queries wait for one upstream
 * answer, every one gets it under its own ID and letter case, failures fall back to a stale entry.
 */
class FlightTest {
    private static final long TIMEOUT_MILLIS = 2000;
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final AnswerCache cache = new AnswerCache(CacheOptions.defaults(), now::get);
    /** The next stage: holds what it is given, for the test to complete. */
    private final List<Exchange> upstream = new ArrayList<>();
    private final QueryCounters counters = new QueryCounters();
    private final CachingResolver caching = new CachingResolver(cache, upstream::add, TIMEOUT_MILLIS, counters);
    // The cache counts its own lookups (the one count the metrics and the totals read).
    private final LongAdder hits = cache.counters().hits;
    private final LongAdder misses = cache.counters().misses;
    private final LongAdder stales = cache.counters().stale;
    private final List<ByteBuf> replies = new ArrayList<>();
    private final List<Exchange> answered = new ArrayList<>();
    private final Responder responder = (exchange, answer) -> {
        replies.add(answer);
        answered.add(exchange);
    };
    private final List<Exchange> asked = new ArrayList<>();

    @AfterEach
    void close() {
        replies.forEach(ByteBuf::release);
        for (Exchange e : asked) {
            assertThat(e.query().refCnt()).as("query bytes released").isZero();
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
        cache.invalidateAll();
    }

    private Exchange ask(String name, int id) throws IOException {
        byte[] wire = Messages.query(name, Type.A, id, true, false).toWire();
        ByteBuf q = UnpooledByteBufAllocator.DEFAULT.buffer(wire.length).writeBytes(wire);
        Exchange e = new Exchange(q, QueryInfo.parse(q), Transport.UDP, new InetSocketAddress("192.0.2.7", 5353),
                channel.eventLoop(), q.alloc(), responder, QueryLifecycleObserver.NONE, null);
        asked.add(e);
        caching.resolve(e);
        return e;
    }

    /** The upstream's answer to {@code name}: one A record with {@code ttl}, under ID 0x5555. */
    private static ByteBuf upstreamAnswer(String name, long ttl) throws IOException {
        Message q = Messages.query(name, Type.A, 0x5555, true, false);
        byte[] wire = Messages.answer(q, Messages.rr(name + " " + ttl + " IN A 192.0.2.1")).toWire();
        return UnpooledByteBufAllocator.DEFAULT.buffer(wire.length).writeBytes(wire);
    }

    private Message reply(Exchange e) throws IOException {
        return new Message(ByteBufUtil.getBytes(replies.get(answered.indexOf(e))));
    }

    @Test
    void identicalQueriesWaitForOneUpstreamAnswerAndEachGetsItsOwnCopy() throws Exception {
        Exchange leader = ask("a.test.", 1);
        Exchange upper = ask("A.TEST.", 2);
        Exchange third = ask("a.test.", 3);
        assertThat(upstream).containsExactly(leader);
        assertThat(caching.flightsInProgress()).isOne();
        assertThat(misses.sum()).isEqualTo(3);

        ByteBuf answer = upstreamAnswer("a.test.", 300);
        assertThat(leader.answer(answer, Decision.FORWARDED, null)).isTrue();

        assertThat(answered).containsExactlyInAnyOrder(leader, upper, third);
        assertThat(reply(leader).getHeader().getID()).isEqualTo(1);
        assertThat(reply(upper).getHeader().getID()).isEqualTo(2);
        assertThat(reply(upper).getQuestion().getName().toString()).isEqualTo("A.TEST.");
        assertThat(reply(third).getHeader().getID()).isEqualTo(3);
        assertThat(reply(third).getSectionArray(1)[0].rdataToString()).isEqualTo("192.0.2.1");
        assertThat(upper.reason()).isEqualTo("coalesced");
        assertThat(caching.coalesced()).isEqualTo(2);
        assertThat(caching.flightsInProgress()).isZero();
        assertThat(cache.size()).isOne();

        Exchange hit = ask("a.test.", 4);
        assertThat(upstream).as("stored: the next one is a hit").hasSize(1);
        assertThat(hit.decision()).isEqualTo(Decision.CACHED);
        assertThat(hits.sum()).isOne();
        // Nothing is left to fire: the waiting queries' timers stopped with their answers.
        assertThat(channel.runScheduledPendingTasks()).as("no timer left").isEqualTo(-1);
        channel.advanceTimeBy(TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(replies).hasSize(4);
        assertThat(counters.servfailTimeout.sum()).isZero();
    }

    @Test
    void whenTheUpstreamFailsTheLeaderAndTheWaitingQueriesAreServedStale() throws Exception {
        Exchange first = ask("a.test.", 1);
        first.answer(upstreamAnswer("a.test.", 10), Decision.FORWARDED, null);
        now.addAndGet(TimeUnit.SECONDS.toNanos(20)); // expired, inside the stale window

        Exchange leader = ask("a.test.", 2);
        Exchange waiting = ask("a.test.", 3);
        assertThat(upstream).containsExactly(first, leader);
        assertThat(leader.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, null)).isTrue();

        for (Exchange e : List.of(leader, waiting)) {
            assertThat(e.decision()).isEqualTo(Decision.STALE);
            assertThat(e.reason()).isEqualTo("upstream_timeout");
            Message m = reply(e);
            assertThat(m.getHeader().getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(m.getSectionArray(1)[0].getTTL()).isEqualTo(30);
        }
        assertThat(reply(waiting).getHeader().getID()).isEqualTo(3);
        assertThat(stales.sum()).isEqualTo(2);
        assertThat(caching.flightsInProgress()).isZero();
    }

    @Test
    void withoutAStaleEntryTheWaitingQueriesFailLikeTheLeader() throws Exception {
        Exchange leader = ask("b.test.", 1);
        Exchange waiting = ask("b.test.", 2);
        leader.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "attempts lost");
        assertThat(waiting.decision()).isEqualTo(Decision.UPSTREAM_FAILED);
        assertThat(waiting.reason()).isEqualTo("attempts lost");
        assertThat(reply(waiting).getHeader().getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(caching.coalesced()).isZero();
        assertThat(stales.sum()).isZero();
    }

    @Test
    void aWaitingQueryTimesOutOnItsOwnAndTheLateLeaderAnswerIsStillStored() throws Exception {
        Exchange leader = ask("c.test.", 1);
        Exchange waiting = ask("c.test.", 2);
        channel.advanceTimeBy(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(waiting.decision()).isEqualTo(Decision.UPSTREAM_TIMEOUT);
        assertThat(counters.servfailTimeout.sum()).isOne();
        assertThat(leader.isDone()).as("the leader has its own timer, in the forwarding stage").isFalse();

        leader.answer(upstreamAnswer("c.test.", 300), Decision.FORWARDED, null);
        assertThat(answered).containsExactly(waiting, leader);
        assertThat(caching.coalesced()).isZero();
        assertThat(cache.size()).isOne();
    }

    @Test
    void aLeaderCompletedOtherwiseLeavesNoFlightBehind() throws Exception {
        Exchange leader = ask("d.test.", 1);
        Exchange waiting = ask("d.test.", 2);
        leader.fail(Dns.RCODE_REFUSED, Decision.REFUSED_ALLOWLIST, "allowlist");
        assertThat(waiting.decision()).isEqualTo(Decision.UPSTREAM_FAILED);
        assertThat(waiting.reason()).isEqualTo("leader lost");
        assertThat(caching.flightsInProgress()).isZero();
        Exchange again = ask("d.test.", 3);
        assertThat(upstream).containsExactly(leader, again);
        again.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, null);
    }
}
