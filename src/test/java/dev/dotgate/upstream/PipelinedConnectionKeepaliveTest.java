package dev.dotgate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.UpstreamOptions;
import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * How a pipelined upstream connection honours the keepalive timeout an upstream sends (RFC 7828), on an
 * {@link EmbeddedChannel}: what it writes and what the client finally gets.
 */
class PipelinedConnectionKeepaliveTest {
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(8);
    private final UpstreamTotals totals = new UpstreamTotals();
    private final List<TestQuery> queries = new ArrayList<>();
    private final List<ByteBuf> answers = new ArrayList<>();
    private EmbeddedChannel channel;
    private PipelinedConnection connection;
    private StreamUpstream upstream;

    private void open(Padding.Hop hop) throws Exception {
        UpstreamSpec spec = UpstreamSpec.parse("upstream", "tcp://127.0.0.1:53");
        UpstreamOptions options = new UpstreamOptions(List.of(spec), List.of(), "round_robin", false, null, Duration.ofSeconds(3), 1, 100,
                Duration.ofNanos(IDLE_NANOS), Duration.ofSeconds(1));
        channel = new EmbeddedChannel();
        upstream = new StreamUpstream(UpstreamSetup.of(spec, options, 1232), null, channel.eventLoop(), totals,
                new UpstreamCounters());
        connection = new PipelinedConnection(upstream, channel.eventLoop(), totals, TimeUnit.SECONDS.toNanos(3),
                IDLE_NANOS, hop);
        connection.attach(channel);
        channel.pipeline().addLast(connection);
        connection.ready();
    }

    @AfterEach
    void release() {
        queries.forEach(TestQuery::close);
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /** Sends a query for a.test A (with an OPT unless {@code edns} is false) and returns what went on the wire. */
    private Message send(boolean edns) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString("a.test."), Type.A, DClass.IN));
        if (edns) {
            q.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        ByteBuf query = Unpooled.wrappedBuffer(q.toWire());
        TestQuery e = new TestQuery(query);
        queries.add(e);
        connection.send(e);
        ByteBuf frame = channel.readOutbound();
        try {
            byte[] wire = new byte[frame.readableBytes() - 2];
            assertThat(frame.getUnsignedShort(0)).isEqualTo(wire.length);
            frame.getBytes(2, wire);
            return new Message(wire);
        } finally {
            frame.release();
        }
    }

    /** Upstream's answer to {@code sent}, its OPT carrying {@code options}. */
    private void answer(Message sent, EDNSOption... options) throws Exception {
        Message a = new Message(sent.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.addRecord(sent.getQuestion(), Section.QUESTION);
        a.addRecord(new org.xbill.DNS.ARecord(Name.fromString("a.test."), DClass.IN, 300,
                java.net.InetAddress.getByName("192.0.2.1")), Section.ANSWER);
        a.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(options)), Section.ADDITIONAL);
        channel.writeInbound(Unpooled.wrappedBuffer(a.toWire()));
        answers.clear();
        queries.forEach(q -> answers.addAll(q.answers));
    }

    private static EDNSOption keepalive(int units) {
        return new GenericEDNSOption(EdnsOptions.KEEPALIVE, new byte[] {(byte) (units >> 8), (byte) units});
    }

    private void tick() {
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void queriesAskForKeepaliveAndATimeoutShortensTheIdleClose() throws Exception {
        open(Padding.Hop.STREAM);
        Message sent = send(true);
        assertThat(sent.getOPT().getOptions()).extracting(EDNSOption::getCode).containsExactly(EdnsOptions.KEEPALIVE);
        assertThat(connection.idleNanos()).isEqualTo(IDLE_NANOS);

        answer(sent, keepalive(20), new GenericEDNSOption(EdnsOptions.PADDING, new byte[40]));
        assertThat(answers).hasSize(1);
        Message got = new Message(io.netty.buffer.ByteBufUtil.getBytes(answers.get(0)));
        assertThat(got.getOPT().getOptions()).isEmpty(); // hop-by-hop: neither reaches the client or the cache
        // 2 s minus a 400 ms margin.
        assertThat(connection.idleNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1600));

        answer(send(true), keepalive(600)); // longer than ours: ours stays
        assertThat(connection.idleNanos()).isEqualTo(IDLE_NANOS);
        assertThat(connection.isClosed()).isFalse();
    }

    @Test
    void aTimeoutOfZeroStopsNewQueriesAndClosesOnceDrained() throws Exception {
        open(Padding.Hop.ENCRYPTED_STREAM);
        Message first = send(false);
        Message second = send(false);
        assertThat(first.toWire().length % 128).isZero();
        answer(first, keepalive(0));
        assertThat(connection.isClosed()).as("no new queries for a connection the upstream wants closed").isTrue();
        tick();
        assertThat(channel.isOpen()).as("still waiting for the second answer").isTrue();
        answer(second);
        tick();
        assertThat(channel.isOpen()).isFalse();
        assertThat(answers).hasSize(2);
        // The client sent no OPT: the one added for padding is gone from the answers.
        for (ByteBuf a : answers) {
            assertThat(new Message(io.netty.buffer.ByteBufUtil.getBytes(a)).getOPT()).isNull();
        }
    }
}
