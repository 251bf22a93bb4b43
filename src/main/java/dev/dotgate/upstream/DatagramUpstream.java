package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.net.Transports;
import dev.dotgate.wire.Padding;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code udp://} upstream (a local resolver), hardened against off-path spoofing as RFC 5452 asks: each query
 * goes out on a fresh socket connected to the upstream, so from a port of the kernel's ephemeral range chosen at
 * random, and only the upstream's address and port can answer it; its ID comes from a cryptographic generator
 * ({@link QueryRandom}); with 0x20 on (the default, {@link UpstreamSpec#randomizeCase}) the letters of the question
 * name are randomly cased in the copy sent ({@link CaseMask}). An answer is taken only with the query's ID and
 * question, letter case exactly as sent; anything else is dropped and counted (a wrong case as
 * {@link UpstreamTotals#caseMismatch}) while the query waits on for the real answer. The client gets its own
 * question case back. The socket closes when the answer is taken or the query expires.
 *
 * <p>The copy advertises the gateway's EDNS UDP payload size ({@code udpSize}, {@code limits.upstream_udp_size}),
 * never the client's, and carries neither the client's cookie nor (unless {@code ecs=forward}) its subnet. A
 * truncated answer (TC=1) is asked again over TCP through {@code tcpFallback}. When queries go unanswered for two
 * thirds of the timeout with nothing at all accepted meanwhile, they are retried elsewhere and the upstream is
 * skipped for a back-off (1 s doubling to 30 s); the first answer ends it. At most {@code pool_size ×
 * max_queries_per_connection} queries (one socket each) are in flight; more are reported lost, to go elsewhere.
 *
 * <p>Each event loop of the group has a {@link DatagramLane}: a query sent from an event loop (the client's) opens its
 * socket on that loop and stays there, so there is no hand-over between threads and every loop shares the cost of
 * the sockets; a query sent from elsewhere goes to the next loop's lane. Only the silence bookkeeping is shared.
 */
public final class DatagramUpstream extends UpstreamBase {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DatagramUpstream.class);
    static final FixedRecvByteBufAllocator RECEIVE = new FixedRecvByteBufAllocator(65536);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final EventLoopGroup group;
    private final DatagramLane[] lanes;
    final Upstream tcpFallback;
    final ChannelFactory<? extends DatagramChannel> channels;
    final Padding.UpstreamCopy copy;
    final long timeoutNanos;
    final long silentNanos;
    volatile boolean closed;
    /** When an answer was last taken, on any lane. */
    volatile long lastAnswerNanos = System.nanoTime();
    private volatile boolean down;
    private long backoffNanos;                        // guarded by this
    private volatile long downUntilNanos = System.nanoTime();

    /**
     * {@code setup}: the URI, the EDNS UDP payload size written into the copies sent ({@code
     * limits.upstream_udp_size}), the timeout, and {@code pool_size × max_queries_per_connection} as the bound on
     * queries in flight; {@code tcpFallback}: where truncated answers are asked again (closed with this one).
     */
    public DatagramUpstream(UpstreamSetup setup, EventLoopGroup group, Upstream tcpFallback, UpstreamTotals totals,
            UpstreamCounters counters) {
        super(setup, group, totals, counters);
        this.group = group;
        this.timeoutNanos = setup.timeout().toNanos();
        // Like a silent stream connection: nothing back for two thirds of the timeout (at least 300 ms).
        this.silentNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(300), timeoutNanos * 2 / 3);
        this.tcpFallback = tcpFallback;
        this.copy = new Padding.UpstreamCopy(Padding.Hop.DATAGRAM, setup.udpSize(), spec.forwardEcs());
        this.channels = new ReflectiveChannelFactory<>(Transports.datagramChannel());
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        int perLane = Math.max(1, (setup.poolSize() * setup.maxInflight() + loops.size() - 1) / loops.size());
        this.lanes = new DatagramLane[loops.size()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new DatagramLane(this, loops.get(i), perLane);
        }
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
    public void send(UpstreamQuery query) {
        counters.queries.increment();
        for (DatagramLane lane : lanes) {
            if (lane.loop.inEventLoop()) {
                lane.send(query);
                return;
            }
        }
        EventExecutor next = group.next();
        for (DatagramLane lane : lanes) {
            if (lane.loop == next) {
                lane.loop.execute(() -> lane.send(query));
                return;
            }
        }
        lanes[0].loop.execute(() -> lanes[0].send(query));
    }

    /** Queries left unanswered with nothing accepted since they left: back off, retry them elsewhere. */
    void silent(List<UpstreamQuery> silent, long now) {
        synchronized (this) {
            backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            downUntilNanos = now + backoffNanos;
            if (!down) {
                log.warn("upstream {} answered nothing for {} ms; other upstreams are used for {} ms", name(),
                        silentNanos / 1_000_000, backoffNanos / 1_000_000);
                down = true;
            }
        }
        totals.silentClosed.increment();
        IOException cause = new IOException(name() + " is not answering");
        for (UpstreamQuery e : silent) {
            e.lost(cause);
        }
    }

    /** An answer was taken: the upstream is alive. */
    void answered() {
        lastAnswerNanos = System.nanoTime();
        if (down) {
            synchronized (this) {
                if (down) {
                    down = false;
                    backoffNanos = 0;
                    log.info("upstream {} is answering again", name());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        tcpFallback.close();
        for (DatagramLane lane : lanes) {
            lane.loop.execute(lane::close);
        }
    }
}
