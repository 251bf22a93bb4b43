package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.net.Transports;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
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
 * <p>Each event loop of the group has a {@link Lane}: a query sent from an event loop (the client's) opens its
 * socket on that loop and stays there, so there is no hand-over between threads and every loop shares the cost of
 * the sockets; a query sent from elsewhere goes to the next loop's lane. Only the silence bookkeeping is shared.
 */
public final class DatagramUpstream implements Upstream {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DatagramUpstream.class);
    private static final FixedRecvByteBufAllocator RECEIVE = new FixedRecvByteBufAllocator(65536);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final UpstreamSpec spec;
    private final UpstreamTotals totals;
    private final EventLoopGroup group;
    private final Lane[] lanes;
    private final Upstream tcpFallback;
    private final ChannelFactory<? extends DatagramChannel> channels;
    private final Padding.UpstreamCopy copy;
    private final long timeoutNanos;
    private final long silentNanos;
    private final UpstreamCounters counters;
    private volatile boolean closed;
    /** When an answer was last taken, on any lane. */
    private volatile long lastAnswerNanos = System.nanoTime();
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
        this.counters = counters;
        this.spec = setup.spec();
        this.totals = totals;
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
        this.lanes = new Lane[loops.size()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(loops.get(i), perLane);
        }
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
    public void send(UpstreamQuery query) {
        counters.queries.increment();
        for (Lane lane : lanes) {
            if (lane.loop.inEventLoop()) {
                lane.send(query);
                return;
            }
        }
        EventExecutor next = group.next();
        for (Lane lane : lanes) {
            if (lane.loop == next) {
                lane.loop.execute(() -> lane.send(query));
                return;
            }
        }
        lanes[0].loop.execute(() -> lanes[0].send(query));
    }

    /** Queries left unanswered with nothing accepted since they left: back off, retry them elsewhere. */
    private void silent(List<UpstreamQuery> silent, long now) {
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
    private void answered() {
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
        for (Lane lane : lanes) {
            lane.loop.execute(lane::close);
        }
    }

    /** The queries of one event loop, in send order; everything in it runs on that loop. */
    final class Lane {
        final EventLoop loop;
        private final int maxInflight;
        private final ScheduledFuture<?> ticker;
        private UdpQuery oldest;
        private UdpQuery newest;
        private int inflight;

        Lane(EventLoop loop, int maxInflight) {
            this.loop = loop;
            this.maxInflight = maxInflight;
            this.ticker = loop.scheduleAtFixedRate(this::sweep, 100, 100, TimeUnit.MILLISECONDS);
        }

        void send(UpstreamQuery query) {
            if (closed) {
                query.lost(new IOException(name() + " is closed"));
                return;
            }
            if (query.isDone()) {
                return;
            }
            if (inflight >= maxInflight) {
                query.lost(new IOException(name() + ": " + inflight + " queries in flight already"));
                return;
            }
            QueryRandom random = QueryRandom.current();
            UdpQuery q = new UdpQuery(this, query, random.nextId(), spec.randomizeCase() ? random.nextLong() : 0,
                    System.nanoTime());
            DatagramChannel channel;
            try {
                channel = channels.newChannel();
            } catch (RuntimeException e) { // out of file descriptors and the like
                query.lost(new IOException(name() + ": cannot open a socket: " + e.getMessage(), e));
                return;
            }
            channel.config().setRecvByteBufAllocator(RECEIVE);
            channel.pipeline().addLast(q);
            q.channel = channel;
            link(q);
            ChannelFuture registered = loop.register(channel);
            if (registered.isDone() && !registered.isSuccess()) {
                finish(q);
                query.lost(new IOException(name() + ": cannot open a socket", registered.cause()));
                return;
            }
            // On the loop, registering and connecting a datagram socket complete at once; the kernel binds it to
            // a random ephemeral port.
            ChannelFuture connected = channel.connect(spec.address());
            if (connected.isDone()) {
                connected(q, connected);
            } else {
                connected.addListener(q);
            }
        }

        /** The socket of {@code q} is connected (or failed to): write the query. */
        void connected(UdpQuery q, ChannelFuture future) {
            if (q.finished) {
                return;
            }
            UpstreamQuery query = q.query;
            if (!future.isSuccess()) {
                finish(q);
                query.lost(new IOException(name() + ": " + future.cause().getMessage(), future.cause()));
                return;
            }
            ByteBuf out = q.channel.alloc().ioBuffer(query.maxLength(Padding.Hop.DATAGRAM));
            if (!query.write(out, q.id, copy, false)) {
                out.release();
                finish(q);
                return;
            }
            if (spec.randomizeCase()) {
                CaseMask.apply(out, out.readerIndex() + Dns.HEADER_LENGTH, q.caseMask);
            }
            q.channel.writeAndFlush(out, q.channel.voidPromise());
        }

        private void link(UdpQuery q) {
            q.prev = newest;
            if (newest == null) {
                oldest = q;
            } else {
                newest.next = q;
            }
            newest = q;
            inflight++;
        }

        /** Closes the socket of {@code q} and takes it out of the list. Idempotent. */
        private void finish(UdpQuery q) {
            if (q.finished) {
                return;
            }
            q.close();
            if (q.prev == null) {
                oldest = q.next;
            } else {
                q.prev.next = q.next;
            }
            if (q.next == null) {
                newest = q.prev;
            } else {
                q.next.prev = q.prev;
            }
            q.prev = null;
            q.next = null;
            inflight--;
        }

        /**
         * Every 100 ms: close the sockets of queries that expired or completed otherwise, and retry elsewhere what
         * a silent upstream left unanswered. Walks from the oldest query while they are older than the silence
         * bound, so the cost is the queries that need attention.
         */
        private void sweep() {
            long now = System.nanoTime();
            long lastAnswer = lastAnswerNanos;
            List<UpstreamQuery> silent = null;
            UdpQuery q = oldest;
            while (q != null && now - q.sentNanos > silentNanos) {
                UdpQuery next = q.next;
                if (q.query.isDone() || now - q.sentNanos > timeoutNanos) {
                    finish(q);
                } else if (q.sentNanos - lastAnswer > 0) {
                    // Nothing at all was accepted from the upstream since this query left.
                    finish(q);
                    if (silent == null) {
                        silent = new ArrayList<>();
                    }
                    silent.add(q.query);
                }
                q = next;
            }
            if (silent != null) {
                silent(silent, now);
            }
        }

        /**
         * A datagram on the socket of {@code q}. Taken only with the query's ID, question and (0x20) exact letter
         * case; anything else is counted and dropped, and the query waits on.
         */
        void onAnswer(UdpQuery q, DatagramPacket packet) {
            ByteBuf answer = packet.content();
            if (!packet.sender().equals(spec.address()) || answer.readableBytes() < Dns.HEADER_LENGTH
                    || !Dns.isResponse(answer)) {
                totals.malformed.increment();
                packet.release();
                return;
            }
            UpstreamQuery query = q.query;
            if (q.finished || query.isDone()) {
                totals.late.increment();
                packet.release();
                return;
            }
            if (Dns.id(answer) != q.id || !query.matches(answer)) {
                (query.isDone() ? totals.late : totals.unmatched).increment();
                packet.release();
                return;
            }
            if (spec.randomizeCase()
                    && !CaseMask.echoed(answer, answer.readerIndex() + Dns.HEADER_LENGTH, q.caseMask)) {
                totals.caseMismatch.increment();
                packet.release();
                return;
            }
            answered();
            finish(q);
            if (Dns.isTruncated(answer)) {
                packet.release();
                totals.truncatedRetriedTcp.increment();
                tcpFallback.send(query);
                return;
            }
            // No EDNS padding or keepalive to take out: writeDatagram leaves the client's out, and servers send
            // neither unless asked (RFC 7828 3.3.2, RFC 8467 4). A truncated answer goes to TCP, which strips them.
            query.restoreQuestion(answer);
            query.complete(answer);
        }

        private void close() {
            ticker.cancel(false);
            List<UpstreamQuery> lost = new ArrayList<>();
            while (oldest != null) {
                lost.add(oldest.query);
                finish(oldest);
            }
            IOException cause = new IOException("gateway shutting down");
            for (UpstreamQuery e : lost) {
                e.lost(cause);
            }
        }
    }
}
