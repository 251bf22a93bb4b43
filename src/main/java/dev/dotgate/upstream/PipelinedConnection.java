package dev.dotgate.upstream;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One persistent TCP or TLS connection to an upstream carrying many queries at once (RFC 7766 pipelining,
 * answers in any order). Each query is sent under an ID unique on this connection and matched back by ID and
 * question. A connection that closes, fails, or stays silent while queries wait reports every one of them lost,
 * so they are retried elsewhere. Idle connections close before public resolvers would drop them, or before the
 * upstream's own idle timeout when it tells it with EDNS TCP keepalive (RFC 7828): a timeout of 0 means "close",
 * and the connection takes no new queries from then on.
 *
 * <p>All state but {@link #load} lives on the channel's event loop.
 */
final class PipelinedConnection extends ChannelInboundHandlerAdapter implements PooledUpstream.Connection {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PipelinedConnection.class);
    private static final long TICK_MILLIS = 100;
    private static final IOException CLOSED = new IOException("upstream connection closed");

    private final PooledUpstream<?> upstream;
    private final int capacity;
    private final UpstreamTotals totals;
    private final EventLoop loop;
    private final InflightTable table = new InflightTable();
    private final ArrayDeque<UpstreamQuery> waiting = new ArrayDeque<>();
    private final AtomicInteger load = new AtomicInteger();
    private final long timeoutNanos;
    private final long silentNanos;
    private final long configuredIdleNanos;
    private final Padding.UpstreamCopy copy;
    private long idleNanos;
    private final long quarantineNanos;
    private final int[] expired = new int[1];
    private Channel channel;
    private boolean ready;
    private volatile boolean closed;
    private volatile boolean draining; // the upstream asked us to close (keepalive timeout 0)
    private long lastReadNanos = System.nanoTime();
    private long lastBusyNanos = System.nanoTime();
    private ScheduledFuture<?> ticker;

    /** {@code hop}: how queries are written (padded and with a keepalive request over TLS); no subnet forwarded. */
    PipelinedConnection(PooledUpstream<?> upstream, EventLoop loop, UpstreamTotals totals, long timeoutNanos,
            long idleNanos, Padding.Hop hop) {
        this(upstream, loop, totals, timeoutNanos, idleNanos, new Padding.UpstreamCopy(hop, 0, false),
                Integer.MAX_VALUE);
    }

    /**
     * {@code copy}: how queries are written (hop-by-hop options for the hop, client subnet or not);
     * {@code capacity}: queries in flight at most.
     */
    PipelinedConnection(PooledUpstream<?> upstream, EventLoop loop, UpstreamTotals totals, long timeoutNanos,
            long idleNanos, Padding.UpstreamCopy copy, int capacity) {
        this.upstream = upstream;
        this.capacity = capacity;
        this.copy = copy;
        this.configuredIdleNanos = idleNanos;
        this.loop = loop;
        this.totals = totals;
        this.timeoutNanos = timeoutNanos;
        this.idleNanos = idleNanos;
        // A connection that has said nothing for this long while a query waits is taken for dead.
        this.silentNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(300), timeoutNanos * 2 / 3);
        this.quarantineNanos = Math.max(timeoutNanos * 4, TimeUnit.SECONDS.toNanos(10));
    }

    /** Queries waiting or in flight; read by the pool from any thread. */
    @Override
    public int load() {
        return load.get();
    }

    /** Closed, or asked by the upstream to close: either way no place for a new query. */
    @Override
    public boolean isClosed() {
        return closed || draining; // takes no new queries; a draining one still has answers to receive
    }

    /** Asked by the upstream to close (keepalive 0), with answers still to come. */
    @Override
    public boolean isDraining() {
        return draining && !closed;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    EventLoop loop() {
        return loop;
    }

    /** Binds to the channel being connected; called on the loop before any other event. */
    void attach(Channel channel) {
        this.channel = channel;
    }

    /** Queues {@code query} on this connection. Any thread. */
    @Override
    public void send(UpstreamQuery query) {
        load.incrementAndGet();
        if (loop.inEventLoop()) {
            doSend(query);
        } else {
            loop.execute(() -> doSend(query));
        }
    }

    private void doSend(UpstreamQuery query) {
        if (closed || draining) { // draining: picked just before the upstream asked us to stop; sent elsewhere
            load.decrementAndGet();
            query.lost(CLOSED);
        } else if (!ready) {
            waiting.add(query);
        } else {
            write(query);
            channel.flush();
        }
    }

    private void write(UpstreamQuery query) {
        if (query.isDone()) {
            load.decrementAndGet();
            return;
        }
        int id = table.add(query, System.nanoTime());
        if (id < 0) {
            load.decrementAndGet();
            query.lost(new IOException("no free query ID on upstream connection"));
            return;
        }
        ByteBuf out = channel.alloc().ioBuffer(2 + query.maxLength(copy.hop()));
        if (!query.write(out, id, copy, true)) {
            out.release();
            table.remove(id);
            load.decrementAndGet();
            return;
        }
        lastBusyNanos = System.nanoTime();
        channel.write(out, channel.voidPromise());
    }

    /** The connection is up (TCP connected, or TLS handshake done): send what waited. */
    void ready() {
        if (closed) {
            return;
        }
        ready = true;
        lastReadNanos = System.nanoTime();
        ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        UpstreamQuery e;
        while ((e = waiting.poll()) != null) {
            write(e);
        }
        channel.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        lastReadNanos = System.nanoTime();
        if (frame.readableBytes() < Dns.HEADER_LENGTH || !Dns.isResponse(frame)) {
            totals.malformed.increment();
            frame.release();
            return;
        }
        int id = Dns.id(frame);
        UpstreamQuery query = table.get(id);
        if (query == null) {
            (table.quarantined(id) ? totals.late : totals.unmatched).increment();
            frame.release();
            return;
        }
        if (!query.matches(frame)) {
            // Either a wrong answer or the query completed meanwhile; the entry stays until it expires.
            (query.isDone() ? totals.late : totals.unmatched).increment();
            frame.release();
            return;
        }
        table.remove(id);
        load.decrementAndGet();
        lastBusyNanos = lastReadNanos;
        // Padding and keepalive describe this connection: neither reaches the cache or a client.
        int keepalive = EdnsOptions.stripHopByHop(frame, !query.info().hasOpt());
        if (keepalive != EdnsOptions.NO_KEEPALIVE) {
            keepalive(keepalive);
        }
        query.complete(frame);
    }

    /**
     * The upstream's keepalive timeout, in units of 100 ms (RFC 7828 3.3.1): idle close a margin before it (at
     * most the configured idle timeout); 0 means close now, so take no new queries and close once drained.
     */
    private void keepalive(int units) {
        if (units == 0) {
            draining = true;
            return;
        }
        long nanos = TimeUnit.MILLISECONDS.toNanos(units * 100L);
        long margin = Math.min(TimeUnit.SECONDS.toNanos(1), Math.max(TimeUnit.MILLISECONDS.toNanos(200), nanos / 5));
        idleNanos = Math.min(configuredIdleNanos, Math.max(0, nanos - margin));
    }

    /**
     * Unless its peer is one of {@code addresses}: takes no new queries from now on and closes once the ones in
     * flight are answered, as after a keepalive of 0. Any thread.
     */
    @Override
    public void retireUnless(java.util.List<java.net.InetSocketAddress> addresses) {
        loop.execute(() -> {
            if (channel != null && !addresses.contains(channel.remoteAddress())) {
                draining = true;
            }
        });
    }

    /** The idle time this connection closes after (the configured one, or less as the upstream asked). */
    long idleNanos() {
        return idleNanos;
    }

    private void tick() {
        long now = System.nanoTime();
        long oldest = table.sweep(now, timeoutNanos, quarantineNanos, expired);
        if (expired[0] > 0) {
            load.addAndGet(-expired[0]);
        }
        if (table.live() > 0 && now - oldest > silentNanos && lastReadNanos - oldest < 0) {
            totals.silentClosed.increment();
            log.debug("upstream {}: connection silent with queries waiting; closing it", upstream.name());
            channel.close();
        } else if (table.live() == 0 && waiting.isEmpty() && (draining || now - lastBusyNanos > idleNanos)) {
            totals.idleClosed.increment();
            channel.close();
        } else if (table.full()) {
            channel.close(); // quarantined IDs crowd out new ones: start afresh on a new connection
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAndReport(CLOSED);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        upstream.connectionError(cause);
        ctx.close();
    }

    /** Closes the connection from any thread, reporting what was on it lost. */
    @Override
    public void shutdown(Throwable cause) {
        loop.execute(() -> {
            closeAndReport(cause);
            if (channel != null) {
                channel.close();
            }
        });
    }

    /** Marks the connection closed and reports every query on it lost. On the loop. */
    void closeAndReport(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        if (ticker != null) {
            ticker.cancel(false);
        }
        upstream.closed(this);
        var lost = table.drain();
        UpstreamQuery w;
        while ((w = waiting.poll()) != null) {
            lost.add(w);
        }
        load.addAndGet(-lost.size());
        for (UpstreamQuery e : lost) {
            e.lost(cause);
        }
    }
}
