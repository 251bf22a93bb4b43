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
import java.util.concurrent.TimeUnit;

/**
 * A {@code udp://} upstream (a local resolver): one socket, random IDs, answers matched by ID, source and
 * question. A truncated answer (TC=1) is asked again over TCP through {@code tcpFallback}.
 */
public final class DatagramUpstream implements Upstream {
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
    private final UpstreamCounters counters;

    public DatagramUpstream(UpstreamSpec spec, EventLoopGroup group, long timeoutNanos, StreamUpstream tcpFallback,
            Stats stats, UpstreamCounters counters) {
        this.counters = counters;
        this.spec = spec;
        this.stats = stats;
        this.loop = group.next();
        this.timeoutNanos = timeoutNanos;
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

    @Override
    public boolean available() {
        return !closed;
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
        return loop.scheduleAtFixedRate(() -> table.sweep(System.nanoTime(), timeoutNanos,
                Math.max(timeoutNanos * 4, TimeUnit.SECONDS.toNanos(10)), expired), 100, 100, TimeUnit.MILLISECONDS);
    }

    private void onAnswer(DatagramPacket packet) {
        ByteBuf answer = packet.content();
        if (!packet.sender().equals(spec.address()) || answer.readableBytes() < Dns.HEADER_LENGTH
                || !Dns.isResponse(answer)) {
            stats.upstreamMalformed.increment();
            packet.release();
            return;
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
