package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.wire.Dns;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code udp://} upstream (a local resolver): one socket, random IDs, answers matched by ID, source and
 * question. A truncated answer (TC=1) is asked again over TCP through {@code tcpFallback}. When queries go
 * unanswered for two thirds of the timeout with nothing at all coming back, they are retried elsewhere and the
 * upstream is skipped for a back-off (1 s doubling to 30 s); the first answer ends it.
 */
public final class DatagramUpstream implements Upstream {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DatagramUpstream.class);
    private final UpstreamSpec spec;
    private final Stats stats;
    private final EventLoop loop;
    private final StreamUpstream tcpFallback;
    private final InflightTable table = new InflightTable();
    private final long timeoutNanos;
    private final int[] expired = new int[1];
    private final Channel channel;
    private final ScheduledFuture<?> ticker;
    private volatile boolean closed;
    private static final long MIN_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);
    private final long silentNanos;
    private long lastAnswerNanos = System.nanoTime(); // loop only
    private long backoffNanos;                        // loop only
    private boolean down;                             // loop only
    private volatile long downUntilNanos = System.nanoTime();
    private final UpstreamCounters counters;

    public DatagramUpstream(UpstreamSpec spec, EventLoopGroup group, long timeoutNanos, StreamUpstream tcpFallback,
            Stats stats, UpstreamCounters counters) {
        this.counters = counters;
        this.spec = spec;
        this.stats = stats;
        this.loop = group.next();
        this.timeoutNanos = timeoutNanos;
        // Like a silent stream connection: nothing back for two thirds of the timeout (at least 300 ms).
        this.silentNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(300), timeoutNanos * 2 / 3);
        this.tcpFallback = tcpFallback;
        this.channel = open(); // from the starting thread: never block the event loop on a bind
        this.ticker = startSweeping();
    }

    @Override
    public String name() {
        return spec.toString();
    }

    @Override
    public UpstreamCounters counters() {
        return counters;
    }

    /**
     * False while the upstream is backing off after it left queries unanswered with nothing else coming back
     * (a datagram upstream gives no connection signal; silence is the only one).
     */
    @Override
    public boolean available() {
        return !closed && System.nanoTime() - downUntilNanos >= 0;
    }

    @Override
    public void send(Exchange exchange) {
        counters.queries.increment();
        if (loop.inEventLoop()) {
            doSend(exchange);
        } else {
            loop.execute(() -> doSend(exchange));
        }
    }

    private void doSend(Exchange exchange) {
        if (closed) {
            exchange.lost(new IOException(name() + " is closed"));
            return;
        }
        int id = table.add(exchange, System.nanoTime());
        if (id < 0) {
            exchange.lost(new IOException(name() + ": no free query ID"));
            return;
        }
        ByteBuf out = channel.alloc().ioBuffer(exchange.queryLength());
        if (!exchange.writeDatagram(out, id)) {
            out.release();
            table.remove(id);
            return;
        }
        channel.writeAndFlush(new DatagramPacket(out, spec.address()), channel.voidPromise());
    }

    private Channel open() {
        return new Bootstrap()
                .group(loop)
                .channel(Transports.datagramChannel())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        onAnswer((DatagramPacket) msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // ICMP port unreachable and the like: queries time out or are retried elsewhere.
                    }
                })
                .bind(0).syncUninterruptibly().channel();
    }

    private ScheduledFuture<?> startSweeping() {
        return loop.scheduleAtFixedRate(this::sweep, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Every 100 ms on the loop: expire old IDs, and retry elsewhere what a silent upstream left unanswered. */
    private void sweep() {
        long now = System.nanoTime();
        List<Exchange> silent = table.takeUnanswered(now, silentNanos, lastAnswerNanos);
        if (!silent.isEmpty()) {
            backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            downUntilNanos = now + backoffNanos;
            stats.upstreamSilentClosed.increment();
            if (!down) {
                log.warn("upstream {} answered nothing for {} ms; other upstreams are used for {} ms", name(),
                        silentNanos / 1_000_000, backoffNanos / 1_000_000);
                down = true;
            }
            IOException cause = new IOException(name() + " is not answering");
            for (Exchange e : silent) {
                e.lost(cause);
            }
        }
        table.sweep(now, timeoutNanos, Math.max(timeoutNanos * 4, TimeUnit.SECONDS.toNanos(10)), expired);
    }

    private void onAnswer(DatagramPacket packet) {
        ByteBuf answer = packet.content();
        if (!packet.sender().equals(spec.address()) || answer.readableBytes() < Dns.HEADER_LENGTH
                || !Dns.isResponse(answer)) {
            stats.upstreamMalformed.increment();
            packet.release();
            return;
        }
        lastAnswerNanos = System.nanoTime();
        if (down) {
            down = false;
            backoffNanos = 0;
            log.info("upstream {} is answering again", name());
        }
        int id = Dns.id(answer);
        Exchange exchange = table.get(id);
        if (exchange == null || !exchange.matches(answer)) {
            (exchange == null && !table.quarantined(id) ? stats.upstreamUnmatched : stats.upstreamLate).increment();
            packet.release();
            return;
        }
        table.remove(id);
        if (Dns.isTruncated(answer)) {
            packet.release();
            stats.upstreamTruncatedRetriedTcp.increment();
            tcpFallback.send(exchange);
            return;
        }
        // No EDNS padding or keepalive to take out: writeDatagram leaves the client's out, and servers send
        // neither unless asked (RFC 7828 3.3.2, RFC 8467 4). A truncated answer goes to TCP, which strips them.
        exchange.answer(answer);
    }

    @Override
    public void close() {
        closed = true;
        tcpFallback.close();
        loop.execute(() -> {
            ticker.cancel(false);
            channel.close();
            for (Exchange e : table.drain()) {
                e.lost(new IOException("gateway shutting down"));
            }
        });
    }
}
