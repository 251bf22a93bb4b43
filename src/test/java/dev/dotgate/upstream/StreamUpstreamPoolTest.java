package dev.dotgate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection pool of a stream upstream, its connections on {@link EmbeddedChannel}s: least loaded first,
 * another connection once the least loaded has {@value StreamUpstream#SPREAD_AT} in flight, queries refused
 * (lost, to go elsewhere) when every connection is full, and lost when their connection closes.
 */
class StreamUpstreamPoolTest {
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final List<EmbeddedChannel> opened = new ArrayList<>();
    private final List<TestQuery> queries = new ArrayList<>();
    private final UpstreamTotals totals = new UpstreamTotals();
    private final UpstreamCounters counters = new UpstreamCounters();
    private StreamUpstream upstream;

    private StreamUpstream upstream(int poolSize, int maxInflight) throws Exception {
        UpstreamSetup setup = new UpstreamSetup(UpstreamSpec.parse("upstream", "tcp://127.0.0.1:53"), null,
                Duration.ofSeconds(3), poolSize, maxInflight, Duration.ofSeconds(8), Duration.ofSeconds(1), 1232,
                java.util.List.of());
        upstream = new StreamUpstream(setup, null, loop.eventLoop(), totals, counters, (u, connection) -> {
            EmbeddedChannel ch = new EmbeddedChannel();
            connection.attach(ch);
            ch.pipeline().addLast(connection);
            u.connected();
            connection.ready();
            opened.add(ch);
        });
        return upstream;
    }

    @AfterEach
    void close() {
        for (EmbeddedChannel ch : opened) {
            ch.finishAndReleaseAll();
        }
        loop.finishAndReleaseAll();
        for (TestQuery q : queries) {
            q.close();
            assertThat(q.bytes.refCnt()).isZero();
            for (ByteBuf a : q.answers) {
                assertThat(a.refCnt()).isZero();
            }
        }
    }

    private TestQuery send() throws Exception {
        TestQuery q = TestQuery.of("q" + queries.size() + ".test.");
        queries.add(q);
        upstream.send(q);
        return q;
    }

    private static int frames(EmbeddedChannel ch) {
        return ch.outboundMessages().size();
    }

    /** Answers the oldest {@code n} queries written on {@code ch}: each frame echoed back as a response. */
    private static void answer(EmbeddedChannel ch, int n) {
        for (int i = 0; i < n; i++) {
            ByteBuf frame = ch.readOutbound();
            ByteBuf answer = frame.copy(2, frame.readableBytes() - 2);
            frame.release();
            answer.setShort(2, answer.getUnsignedShort(2) | 0x8000); // QR
            ch.writeInbound(answer);
        }
    }

    @Test
    void warmOpensOneConnectionBeforeAnyQueryAndTheFirstQueryUsesIt() throws Exception {
        upstream(4, 64);
        upstream.warm();
        assertThat(upstream.openConnections()).as("opened at start, before a query").isEqualTo(1);
        upstream.warm();
        assertThat(upstream.openConnections()).as("a second warm() opens no more").isEqualTo(1);
        TestQuery q = send();
        assertThat(opened).hasSize(1);
        assertThat(frames(opened.get(0))).as("the first query goes on the warm connection").isEqualTo(1);
        answer(opened.get(0), 1);
        assertThat(q.answers).hasSize(1);
        assertThat(counters.connects.sum()).isEqualTo(1);
    }

    @Test
    void fillsTheLeastLoadedConnectionAndOpensAnotherAtSixteenInFlight() throws Exception {
        upstream(4, 100);
        for (int i = 0; i < StreamUpstream.SPREAD_AT; i++) {
            send();
        }
        assertThat(opened).hasSize(1);
        assertThat(frames(opened.get(0))).isEqualTo(16);

        send(); // the only connection has 16 in flight: a second one opens
        assertThat(opened).hasSize(2);
        assertThat(frames(opened.get(1))).isOne();
        for (int i = 0; i < 15; i++) {
            send(); // the new one is less loaded until it has 16 too
        }
        assertThat(frames(opened.get(0))).isEqualTo(16);
        assertThat(frames(opened.get(1))).isEqualTo(16);
        send();
        assertThat(opened).hasSize(3);
        assertThat(upstream.openConnections()).isEqualTo(3);

        answer(opened.get(0), 16); // the first is empty now: the least loaded
        assertThat(queries.subList(0, 16)).allSatisfy(q -> assertThat(q.answers).hasSize(1));
        send();
        assertThat(frames(opened.get(0))).isOne();
        assertThat(opened).hasSize(3);
        assertThat(counters.queries.sum()).isEqualTo(34);
        assertThat(counters.connects.sum()).isEqualTo(3);
        assertThat(totals.connects.sum()).isEqualTo(3);
        assertThat(queries).allSatisfy(q -> assertThat(q.losses).isEmpty());
    }

    @Test
    void whenEveryConnectionIsFullAQueryIsLostToGoElsewhereUntilAnAnswerMakesRoom() throws Exception {
        upstream(1, 2);
        TestQuery first = send();
        send();
        TestQuery third = send();
        assertThat(third.losses).hasSize(1);
        assertThat(third.losses.get(0)).hasMessageContaining("is down or full");
        assertThat(frames(opened.get(0))).isEqualTo(2);

        answer(opened.get(0), 1);
        assertThat(first.answers).hasSize(1);
        assertThat(Dns.isResponse(first.answers.get(0))).isTrue();
        TestQuery fourth = send();
        assertThat(fourth.losses).isEmpty();
        assertThat(frames(opened.get(0))).isEqualTo(2);
    }

    @Test
    void queriesOnAConnectionThatClosesAreLostAndALateAnswerIsCountedAndReleased() throws Exception {
        upstream(2, 100);
        TestQuery a = send();
        TestQuery b = send();
        // b completed elsewhere meanwhile (its client's timeout): its answer, when it comes, is late.
        b.done = true;
        ByteBuf frameA = opened.get(0).readOutbound();
        ByteBuf frameB = opened.get(0).readOutbound();
        ByteBuf lateB = frameB.copy(2, frameB.readableBytes() - 2);
        lateB.setShort(2, lateB.getUnsignedShort(2) | 0x8000);
        frameB.release();
        opened.get(0).writeInbound(lateB);
        assertThat(lateB.refCnt()).isZero();
        assertThat(totals.late.sum()).isOne();
        assertThat(b.answers).isEmpty();

        opened.get(0).close();
        frameA.release();
        assertThat(a.losses).hasSize(1);
        assertThat(a.losses.get(0)).hasMessage("upstream connection closed");
        assertThat(upstream.openConnections()).isZero();
        send();
        assertThat(opened).as("a new connection replaces it").hasSize(2);
    }
}
