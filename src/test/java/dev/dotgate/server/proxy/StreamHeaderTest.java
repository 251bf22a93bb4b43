package dev.dotgate.server.proxy;

import static dev.dotgate.it.ProxyHeaders.at;
import static dev.dotgate.it.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.ProxyHeaders;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.ServerCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The PROXY header on a stream from a trusted peer (decoder and reader as {@link ProxyProtocol#install} puts them),
 * on an {@link EmbeddedChannel}, fed a byte or a few at a time: a header in pieces is waited for, bytes that can
 * start no header close the connection at once, a stalled header is closed by the timeout; every buffer released.
 */
class StreamHeaderTest {
    static final InetSocketAddress LB = at("127.0.0.1", 50000);
    static final long TIMEOUT_MILLIS = 1000;

    final ServerCounters counters = new ServerCounters();
    final ProxyProtocol proxy = new ProxyProtocol(List.of("127.0.0.1/32"), Duration.ofMillis(TIMEOUT_MILLIS), counters,
            QueryLifecycleObserver.NONE);
    final List<InetSocketAddress> ready = new ArrayList<>();
    final List<ByteBuf> after = new ArrayList<>();
    final EmbeddedChannel ch = new EmbeddedChannel();

    StreamHeaderTest() {
        ch.freezeTime(); // the header timer moves only with advanceTimeBy
        HeaderDecoder decoder = new HeaderDecoder();
        HeaderReader reader = new HeaderReader(proxy, Transport.TCP, LB, decoder, c -> {
            ready.add(c.attr(ClientAddress.KEY).get());
            c.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    after.add((ByteBuf) msg);
                }
            });
        });
        ch.pipeline().addFirst(reader);
        ch.pipeline().addFirst(decoder);
        reader.startTimer(ch, TIMEOUT_MILLIS);
    }

    /** Feeds {@code bytes} in pieces of {@code piece} bytes, each in its own buffer; all released by the channel. */
    private List<ByteBuf> feed(byte[] bytes, int piece) {
        List<ByteBuf> sent = new ArrayList<>();
        for (int i = 0; i < bytes.length && ch.isOpen(); i += piece) {
            ByteBuf b = Unpooled.copiedBuffer(bytes, i, Math.min(piece, bytes.length - i));
            sent.add(b);
            ch.writeInbound(b);
        }
        return sent;
    }

    private static void assertReleased(List<ByteBuf> bufs) {
        for (ByteBuf b : bufs) {
            assertThat(b.refCnt()).as("buffer released").isZero();
        }
    }

    private void releaseAfter() {
        for (ByteBuf b : after) {
            b.release();
        }
    }

    @Test
    void dnsQueryInsteadOfAHeaderIsClosedAtItsFirstByteAndCounted() {
        byte[] framedQuery = {0x00, 0x1D, 0x10, 0x01, 0x01, 0x00, 0x00, 0x01};
        List<ByteBuf> sent = feed(framedQuery, 1);
        assertThat(ch.isOpen()).as("closed at once, not after the header timeout").isFalse();
        assertThat(sent).as("closed on the first byte").hasSize(1);
        assertThat(counters.proxyHeaderRejected.sum()).isEqualTo(1);
        assertThat(ready).isEmpty();
        assertReleased(sent);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void textThatDivergesFromPROXYIsClosedAtTheFirstWrongByte() {
        List<ByteBuf> sent = feed("PROXZ TCP4 198.51.100.7".getBytes(StandardCharsets.US_ASCII), 1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(sent).as("open through \"PROX\", closed at \"Z\"").hasSize(5);
        assertThat(counters.proxyHeaderRejected.sum()).isEqualTo(1);
        assertReleased(sent);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void v2HeaderByteByByteIsWaitedForAndNamesTheClient() {
        byte[] header = ProxyHeaders.proxy(at("198.51.100.7", 40001), at("127.0.0.1", 53), false);
        List<ByteBuf> sent = feed(concat(header, new byte[] {0x00, 0x1D}), 1);
        assertThat(ch.isOpen()).isTrue();
        assertThat(ready).containsExactly(at("198.51.100.7", 40001));
        assertThat(after).as("the bytes after the header flow on").isNotEmpty();
        assertThat(counters.proxyHeaderRejected.sum()).isZero();
        ch.advanceTimeBy(2 * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("the timer is off once the header is read").isTrue();
        releaseAfter();
        assertReleased(sent);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void v1HeaderInPiecesIsWaitedForAndNamesTheClient() {
        byte[] header = "PROXY TCP4 198.51.100.8 127.0.0.1 40002 53\r\n".getBytes(StandardCharsets.US_ASCII);
        List<ByteBuf> sent = feed(header, 3);
        assertThat(ch.isOpen()).isTrue();
        assertThat(ready).containsExactly(at("198.51.100.8", 40002));
        assertThat(counters.proxyHeaderRejected.sum()).isZero();
        assertReleased(sent);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void headerStalledHalfwayIsClosedByTheTimeoutAndCounted() {
        byte[] header = ProxyHeaders.proxy(at("198.51.100.7", 40003), at("127.0.0.1", 53), false);
        List<ByteBuf> sent = feed(java.util.Arrays.copyOf(header, 10), 2);
        ch.advanceTimeBy(TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("a part of a header waits for the rest").isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("closed by the header timeout").isFalse();
        assertThat(counters.proxyHeaderRejected.sum()).isEqualTo(1);
        assertThat(ready).isEmpty();
        assertReleased(sent);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void closedBeforeAnyByteIsNoErrorEvenPastTheTimeout() {
        ch.close(); // a TCP health check: connect, close
        ch.advanceTimeBy(2 * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(counters.proxyHeaderRejected.sum()).as("nothing counted, the timer cancelled").isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void closedInTheMiddleOfAHeaderIsCountedOnce() {
        byte[] header = ProxyHeaders.proxy(at("198.51.100.7", 40004), at("127.0.0.1", 53), false);
        List<ByteBuf> sent = feed(java.util.Arrays.copyOf(header, 7), 7);
        ch.close();
        ch.advanceTimeBy(2 * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(counters.proxyHeaderRejected.sum()).as("counted at the close, not again by the timer").isEqualTo(1);
        assertReleased(sent);
        assertThat(ch.finish()).isFalse();
    }
}
