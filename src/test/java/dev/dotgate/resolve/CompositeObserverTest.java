package dev.dotgate.resolve;

import static dev.dotgate.resolve.Wire.answer;
import static dev.dotgate.resolve.Wire.exchange;
import static dev.dotgate.resolve.Wire.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;

/**
 * The lifecycle observers behind one composite: each phase reaches every observer once, in order; a throwing
 * observer stops neither the others nor the reply; the reply is lent (its refCnt untouched by the observers).
 * Buffers are unpooled, so a refCnt read after release means what it says.
 */
class CompositeObserverTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Wire.Replies replies = new Wire.Replies();
    private final List<String> seen = new ArrayList<>();
    private final HeldUpstream one = new HeldUpstream("tls://192.0.2.1:853");
    private final ForwardingResolver forwarding = new ForwardingResolver(
            () -> Routes.of(new UpstreamGroup(List.of(one)), Map.of()), Duration.ofSeconds(2), new QueryCounters());

    @AfterEach
    void close() {
        for (ByteBuf r : replies.replies) {
            assertThat(r.refCnt()).as("the responder owns the reply, once").isOne();
        }
        replies.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    /** Records each phase as "name phase detail", with the refCnt of the reply it was lent. */
    private QueryLifecycleObserver recorder(String name) {
        return new QueryLifecycleObserver() {
            @Override
            public void received(QueryContext query) {
                seen.add(name + " received");
            }

            @Override
            public void decided(QueryContext query, Decision decision, String reason) {
                seen.add(name + " decided " + decision.label() + " " + reason);
            }

            @Override
            public void sentUpstream(QueryContext query, Upstream upstream, int attempt) {
                seen.add(name + " sent " + upstream.name() + " #" + attempt);
            }

            @Override
            public void answered(Exchange exchange, ByteBuf reply, long elapsedNanos) {
                seen.add(name + " answered " + exchange.decision().label() + " rcode=" + exchange.rcode()
                        + " reply refCnt=" + reply.refCnt() + " query refCnt=" + exchange.query().refCnt()
                        + (elapsedNanos >= 0 ? "" : " negative"));
            }

            @Override
            public void failed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
                seen.add(name + " failed " + exchange.decision().label() + " rcode=" + Dns.rcode(reply)
                        + " reply refCnt=" + reply.refCnt());
            }

            @Override
            public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
                seen.add(name + " dropped " + transport + " " + decision.label() + " " + reason);
            }
        };
    }

    @Test
    void noObserversIsNone() {
        assertThat(QueryLifecycleObserver.of()).isSameAs(QueryLifecycleObserver.NONE);
    }

    @Test
    void aForwardedQueryReachesEveryObserverOncePerPhaseInOrder() throws Exception {
        QueryLifecycleObserver all = QueryLifecycleObserver.of(recorder("a"), recorder("b"));
        Message q = query("a.test.", 0x1234);
        Exchange e = exchange(q, channel.eventLoop(), replies, all);
        all.received(e);
        forwarding.resolve(e);
        one.last().complete(answer(q, 0xBEEF, "192.0.2.1"));
        assertThat(seen).containsExactly(
                "a received", "b received",
                "a sent tls://192.0.2.1:853 #1", "b sent tls://192.0.2.1:853 #1",
                "a decided forwarded null", "b decided forwarded null",
                "a answered forwarded rcode=0 reply refCnt=1 query refCnt=1",
                "b answered forwarded rcode=0 reply refCnt=1 query refCnt=1");
        assertThat(replies.replies).hasSize(1);
        assertThat(e.query().refCnt()).isZero();
    }

    @Test
    void aSynthesizedErrorIsFailedAndTheStagesDecisionIsHeardFirst() throws Exception {
        QueryLifecycleObserver all = QueryLifecycleObserver.of(recorder("a"), recorder("b"));
        Exchange e = exchange(query("a.test.", 7), channel.eventLoop(), replies, all);
        e.fail(Dns.RCODE_REFUSED, Decision.REFUSED_ACL, "acl");
        assertThat(seen).containsExactly("a decided refused_acl acl", "b decided refused_acl acl",
                "a failed refused_acl rcode=5 reply refCnt=1", "b failed refused_acl rcode=5 reply refCnt=1");
        assertThat(Dns.rcode(replies.replies.get(0))).isEqualTo(Dns.RCODE_REFUSED);
    }

    @Test
    void aThrowingObserverStopsNeitherTheOthersNorTheReply() throws Exception {
        QueryLifecycleObserver throwsOnlyOnFail = new QueryLifecycleObserver() {
            @Override
            public void failed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
                throw new IllegalStateException("failed");
            }

            @Override
            public void decided(QueryContext query, Decision decision, String reason) {
                throw new IllegalStateException("decided");
            }

            @Override
            public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
                throw new IllegalStateException("dropped");
            }
        };
        QueryLifecycleObserver all = QueryLifecycleObserver.of(throwsOnlyOnFail, recorder("b"));
        Exchange e = exchange(query("a.test.", 7), channel.eventLoop(), replies, all);
        e.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, null);
        all.dropped(Transport.UDP, Wire.CLIENT, Decision.MALFORMED, "short");
        assertThat(seen).containsExactly("b decided upstream_failed null",
                "b failed upstream_failed rcode=2 reply refCnt=1", "b dropped UDP malformed short");
        assertThat(replies.replies).as("the client still gets its reply").hasSize(1);
        assertThat(e.query().refCnt()).isZero();
    }

    @Test
    void everyPhaseOfAThrowingObserverIsContained() throws Exception {
        QueryLifecycleObserver thrower = new QueryLifecycleObserver() {
            @Override
            public void received(QueryContext query) {
                throw new IllegalStateException("received");
            }

            @Override
            public void sentUpstream(QueryContext query, Upstream upstream, int attempt) {
                throw new IllegalStateException("sent");
            }

            @Override
            public void answered(Exchange exchange, ByteBuf reply, long elapsedNanos) {
                throw new IllegalStateException("answered");
            }
        };
        QueryLifecycleObserver all = QueryLifecycleObserver.of(recorder("a"), thrower, recorder("c"));
        Message q = query("a.test.", 9);
        Exchange e = exchange(q, channel.eventLoop(), replies, all);
        all.received(e);
        forwarding.resolve(e);
        one.last().complete(answer(q, 1, "192.0.2.1"));
        assertThat(seen).containsExactly("a received", "c received",
                "a sent tls://192.0.2.1:853 #1", "c sent tls://192.0.2.1:853 #1",
                "a decided forwarded null", "c decided forwarded null",
                "a answered forwarded rcode=0 reply refCnt=1 query refCnt=1",
                "c answered forwarded rcode=0 reply refCnt=1 query refCnt=1");
        assertThat(replies.replies).hasSize(1);
    }
}
