package dev.dotgate.resolve;

import static dev.dotgate.resolve.Wire.answer;
import static dev.dotgate.resolve.Wire.exchange;
import static dev.dotgate.resolve.Wire.parse;
import static dev.dotgate.resolve.Wire.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/** The exchange's completion: once, with the client's ID, listeners then observer then responder, on its loop. */
class ExchangeTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Wire.Replies replies = new Wire.Replies();
    private final List<String> order = new ArrayList<>();
    private final QueryLifecycleObserver observer = new QueryLifecycleObserver() {
        @Override
        public void answered(Exchange exchange, ByteBuf reply, long elapsedNanos) {
            // The query bytes are still there for the observer (events read the name from them).
            order.add("observer " + exchange.decision().label() + " refCnt=" + exchange.query().refCnt());
        }

        @Override
        public void failed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
            answered(exchange, reply, elapsedNanos);
        }

        @Override
        public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
        }
    };

    @AfterEach
    void close() {
        for (ByteBuf r : replies.replies) {
            assertThat(r.refCnt()).as("the responder owns each reply, once").isOne();
        }
        replies.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private Exchange.Listener listener(String name, ByteBuf recoverWith) {
        return new Exchange.Listener() {
            @Override
            public ByteBuf recover(Exchange exchange, int rcode, Decision decision) {
                order.add(name + " recover " + decision.label() + " " + exchange.reason());
                return recoverWith;
            }

            @Override
            public void completed(Exchange exchange, ByteBuf reply) {
                order.add(name + " completed " + exchange.decision().label() + " rcode=" + exchange.rcode());
            }
        };
    }

    @Test
    void completesOnceWithTheClientsIdAndReleasesEveryBuffer() throws Exception {
        Message q = query("a.test.", 0x1234);
        Exchange e = exchange(q, channel.eventLoop(), replies, observer);
        e.listen(listener("first", null));
        ByteBuf late = answer(q, 0x4321, "192.0.2.2");
        ByteBuf upstream = answer(q, 0x9999, "192.0.2.1");

        assertThat(e.isDone()).isFalse();
        assertThat(e.decision()).isNull();
        assertThat(e.rcode()).isEqualTo(-1);
        assertThat(e.answer(upstream, Decision.FORWARDED, null)).isTrue();
        assertThat(e.answer(late, Decision.FORWARDED, null)).isFalse();
        assertThat(e.fail(Dns.RCODE_SERVFAIL)).isFalse();

        assertThat(late.refCnt()).as("a second answer is released").isZero();
        assertThat(e.query().refCnt()).as("the query bytes go with the completion").isZero();
        assertThat(order).containsExactly("first completed forwarded rcode=0", "observer forwarded refCnt=1");
        assertThat(replies.replies).hasSize(1);
        Message got = parse(replies.replies.get(0));
        assertThat(got.getHeader().getID()).isEqualTo(0x1234);
        assertThat(got.getSectionArray(1)[0].rdataToString()).isEqualTo("192.0.2.1");
        assertThat(e.decision()).isEqualTo(Decision.FORWARDED);
        assertThat(e.isDone()).isTrue();
    }

    @Test
    void aFailureIsRecoveredByTheFirstListenerThatCan() throws Exception {
        Message q = query("a.test.", 7);
        Exchange e = exchange(q, channel.eventLoop(), replies, observer);
        ByteBuf stale = answer(q, 7, "192.0.2.9");
        e.listen(listener("first", null));
        e.listen(listener("second", stale));
        e.listen(listener("third", null));

        assertThat(e.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, null)).isTrue();

        assertThat(order).containsExactly("first recover upstream_timeout null", "second recover upstream_timeout null",
                "first completed stale rcode=0", "second completed stale rcode=0", "third completed stale rcode=0",
                "observer stale refCnt=1");
        assertThat(e.reason()).isEqualTo("upstream_timeout");
        assertThat(parse(replies.replies.get(0)).getSectionArray(1)[0].rdataToString()).isEqualTo("192.0.2.9");
    }

    @Test
    void otherFailuresAreNotRecoveredAndGetASynthesizedReply() throws Exception {
        Exchange e = exchange(query("a.test.", 7), channel.eventLoop(), replies, observer);
        e.listen(listener("first", null));
        assertThat(e.fail(Dns.RCODE_REFUSED, Decision.REFUSED_ACL, "acl")).isTrue();
        assertThat(order).containsExactly("first completed refused_acl rcode=5", "observer refused_acl refCnt=1");
        Message got = parse(replies.replies.get(0));
        assertThat(got.getHeader().getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(got.getHeader().getID()).isEqualTo(7);
        assertThat(e.reason()).isEqualTo("acl");
    }

    @Test
    void aCopyCarriesTheWaitingQuerysIdCaseAndRecursionBit() throws Exception {
        Message leader = query("a.test.", 1);
        Message waiting = query("A.tEsT.", 2);
        Exchange e = exchange(waiting, channel.eventLoop(), replies, observer);
        ByteBuf source = answer(leader, 1, "192.0.2.1");
        source.setShort(2, source.getUnsignedShort(2) & ~Dns.FLAG_RD);
        assertThat(e.answerCopy(source, Decision.FORWARDED, "coalesced")).isTrue();
        assertThat(e.answerCopy(source, Decision.FORWARDED, "coalesced")).isFalse();
        assertThat(source.refCnt()).as("the source stays with its owner").isOne();
        source.release();
        Message got = parse(replies.replies.get(0));
        assertThat(got.getHeader().getID()).isEqualTo(2);
        assertThat(got.getQuestion().getName().toString()).isEqualTo("A.tEsT.");
        assertThat(got.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isTrue();
        assertThat(e.reason()).isEqualTo("coalesced");
    }

    @Test
    void aCompletionFromAnotherThreadIsDeliveredOnTheClientsLoop() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            Message q = query("a.test.", 0x0101);
            Thread loopThread = loop.submit(Thread::currentThread).get();
            List<Thread> listenerThreads = new ArrayList<>();
            Exchange e = loop.submit(() -> {
                Exchange x = exchange(q, loop, replies, QueryLifecycleObserver.NONE);
                x.listen((ex, reply) -> listenerThreads.add(Thread.currentThread()));
                return x;
            }).get();
            ByteBuf upstream = answer(q, 0x7777, "192.0.2.1");
            assertThat(e.answer(upstream, Decision.FORWARDED, null)).isTrue(); // from the test thread
            assertThat(e.isDone()).isTrue();
            ByteBuf reply = replies.await(1);
            assertThat(reply).isNotNull();
            assertThat(replies.threads).containsExactly(loopThread);
            assertThat(listenerThreads).containsExactly(loopThread);
            assertThat(Dns.id(reply)).isEqualTo(0x0101);
            assertThat(e.decision()).isEqualTo(Decision.FORWARDED);
            assertThat(e.query().refCnt()).isZero();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aCompletionForALoopThatHasStoppedCompletesOnTheCallingThreadSoListenersStillSeeIt() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        Message q = query("a.test.", 3);
        Exchange e = exchange(q, loop, replies, QueryLifecycleObserver.NONE);
        java.util.List<Decision> seen = new java.util.ArrayList<>();
        e.listen((exchange, reply) -> seen.add(exchange.decision()));
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        ByteBuf upstream = answer(q, 3, "192.0.2.1");
        assertThat(e.answer(upstream, Decision.FORWARDED, null)).isTrue();
        assertThat(seen).as("a flight or an in-flight share listening is not left behind").containsExactly(
                Decision.FORWARDED);
        assertThat(e.query().refCnt()).isZero();
        assertThat(replies.replies).hasSize(1); // the responder owns it (a dead channel's write releases it)
        assertThat(Dns.id(replies.replies.get(0))).isEqualTo(3);
    }
}
