package dev.dotgate.upstream;

import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.net.Transports;
import dev.dotgate.upstream.bootstrap.HappyEyeballs;
import dev.dotgate.wire.Padding;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS (DoT) or TCP upstream reached through a small pool of persistent pipelined connections. A query goes to
 * the least loaded open connection; a new connection opens, up to the pool size, only when the open ones are
 * busy. Failed connects back off exponentially (100 ms doubling to 2 s, with jitter).
 */
public final class StreamUpstream extends UpstreamBase {
    private static final Logger log = LoggerFactory.getLogger(StreamUpstream.class);
    /** Open another connection once the least loaded one has this many queries in flight. */
    static final int SPREAD_AT = 16;
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final SslContext tls; // null for tcp://
    private final EventLoopGroup group;
    private final int maxInflight;
    private final long timeoutNanos;
    private final long idleNanos;
    private final int connectTimeoutMillis;
    /** Connections out of their slot that may still be open (draining after an upstream's keepalive 0). */
    private final java.util.Set<PipelinedConnection> retiring =
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final PipelinedConnection[] slots;
    /** How queries are written on this upstream's connections (padding over TLS, client subnet or not). */
    private final Padding.UpstreamCopy copy;
    private long backoffNanos;       // guarded by this
    private long retryAtNanos;       // guarded by this
    private boolean failing;         // guarded by this; to log state changes once
    private volatile boolean shutdown;
    private final Channels channels;
    private final KeyPins pins;

    /**
     * {@code tls}: the client TLS context (null for tcp://); {@code counters}: where this upstream counts its
     * queries, errors and connects (for its metrics).
     */
    public StreamUpstream(UpstreamSetup setup, SslContext tls, EventLoopGroup group, UpstreamTotals totals,
            UpstreamCounters counters) {
        this(setup, tls, group, totals, counters, null);
    }

    /** {@code channels}: how connections are opened (null: by {@link #bootstrap}). */
    StreamUpstream(UpstreamSetup setup, SslContext tls, EventLoopGroup group, UpstreamTotals totals,
            UpstreamCounters counters, Channels channels) {
        super(setup, group, totals, counters);
        this.channels = channels != null ? channels : (u, c) -> u.bootstrap(c);
        this.tls = tls;
        this.group = group;
        this.maxInflight = setup.maxInflight();
        this.timeoutNanos = setup.timeout().toNanos();
        this.idleNanos = setup.idleTimeout().toNanos();
        this.connectTimeoutMillis = (int) setup.connectTimeout().toMillis();
        this.slots = new PipelinedConnection[setup.poolSize()];
        this.copy = new Padding.UpstreamCopy(tls != null ? Padding.Hop.ENCRYPTED_STREAM : Padding.Hop.STREAM, 0,
                spec.forwardEcs());
        this.retryAtNanos = System.nanoTime();
        addresses.onChange(this::moved);
        this.pins = new KeyPins(spec.pins());
    }

    @Override
    public synchronized boolean available() {
        if (System.nanoTime() - retryAtNanos >= 0) {
            return true;
        }
        for (PipelinedConnection c : slots) {
            if (c != null && !c.isClosed()) {
                return true;
            }
        }
        return false;
    }

    /** Connections currently open or opening. */
    @Override
    public synchronized int openConnections() {
        int n = 0;
        for (PipelinedConnection c : slots) {
            if (c != null && !c.isClosed()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void send(UpstreamQuery query) {
        PipelinedConnection c = pick();
        if (c == null) {
            query.lost(new IOException(name() + " is down or full"));
        } else {
            counters.queries.increment();
            c.send(query);
        }
    }

    /**
     * Opens one connection when none is open or opening: what {@link #pick} does for a first query (it also
     * skips a shut-down or backing-off upstream and keeps draining connections for {@link #close}).
     */
    @Override
    public synchronized void warm() {
        if (openConnections() == 0) {
            pick();
        }
    }

    private synchronized PipelinedConnection pick() {
        if (shutdown) {
            return null;
        }
        PipelinedConnection best = null;
        int free = -1;
        if (!retiring.isEmpty()) {
            retiring.removeIf(c -> !c.isDraining());
        }
        for (int i = 0; i < slots.length; i++) {
            PipelinedConnection c = slots[i];
            if (c == null || c.isClosed()) {
                if (c != null && c.isDraining()) {
                    retiring.add(c); // still shut down by close(); gone from here once closed(c)
                }
                slots[i] = null;
                free = free < 0 ? i : free;
            } else if (best == null || c.load() < best.load()) {
                best = c;
            }
        }
        boolean busy = best == null || best.load() >= SPREAD_AT;
        if (busy && free >= 0 && System.nanoTime() - retryAtNanos >= 0) {
            PipelinedConnection c = connect();
            slots[free] = c;
            return c;
        }
        return best != null && best.load() < maxInflight ? best : null;
    }

    /** Starts a new connection; queries sent to it wait until it is ready. Under the lock. */
    private PipelinedConnection connect() {
        EventLoop loop = group.next();
        PipelinedConnection connection = new PipelinedConnection(this, loop, totals, timeoutNanos, idleNanos,
                copy);
        totals.connects.increment();
        counters.connects.increment();
        channels.open(this, connection);
        return connection;
    }

    /**
     * Opens the channel of a new connection: on its loop, bound to it ({@link PipelinedConnection#attach}) before any
     * event, which calls {@link #connected} and {@link PipelinedConnection#ready} once up, or reports the failure.
     * Tests open connections on an {@code EmbeddedChannel} instead of a socket.
     */
    interface Channels {
        void open(StreamUpstream upstream, PipelinedConnection connection);
    }

    /**
     * The real one: a TCP connect raced over the upstream's addresses ({@link HappyEyeballs}; one for an IP), then
     * the pipeline on the winner and a TLS handshake for tls://.
     */
    private void bootstrap(PipelinedConnection connection) {
        Bootstrap b = new Bootstrap()
                .group(connection.loop())
                .channel(Transports.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(Placeholder.INSTANCE); // nothing until this attempt wins the race
        HappyEyeballs.race(connection.loop(), addresses.current(), a -> connected(connection.loop(), b.connect(a)),
                Channel::close)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        connectionError(connection, f.cause());
                        connection.closeAndReport(f.cause());
                    } else {
                        open(connection, (Channel) f.getNow());
                    }
                });
    }

    /** The channel of {@code f} once connected. */
    private static io.netty.util.concurrent.Future<Channel> connected(EventLoop loop,
            io.netty.channel.ChannelFuture f) {
        io.netty.util.concurrent.Promise<Channel> p = loop.newPromise();
        f.addListener(x -> {
            if (x.isSuccess()) {
                p.setSuccess(f.channel());
            } else {
                p.setFailure(x.cause());
            }
        });
        return p;
    }

    /** The handler of a connection attempt until it wins: none of its own. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Placeholder extends ChannelInboundHandlerAdapter {
        static final Placeholder INSTANCE = new Placeholder();
    }

    /** Builds the pipeline of the connected {@code ch}; on its loop. */
    private void open(PipelinedConnection connection, Channel ch) {
        connection.attach(ch);
        ChannelPipeline p = ch.pipeline();
        p.remove(Placeholder.INSTANCE);
        if (tls != null) {
            SslHandler ssl = tls.newHandler(ch.alloc(), spec.authName(), spec.port());
            ssl.setHandshakeTimeoutMillis(connectTimeoutMillis);
            ssl.handshakeFuture().addListener(f -> {
                String pinned = f.isSuccess() ? pins.mismatch(ssl.engine().getSession()) : null;
                if (pinned != null) {
                    connectionError(connection, new PinMismatchException(pinned));
                    ch.close();
                } else if (f.isSuccess()) {
                    connected();
                    connection.ready();
                } else {
                    // Handshake timeouts close without exceptionCaught: back off here too.
                    connectionError(connection, f.cause());
                }
            });
            p.addLast(ssl);
        }
        p.addLast(new FlushConsolidationHandler(256, true));
        p.addLast(new LengthFieldBasedFrameDecoder(2 + 65535, 0, 2, 0, 2));
        p.addLast(connection);
        if (!ch.isActive()) {
            connection.closeAndReport(new IOException("upstream connection closed"));
        } else if (tls == null) {
            connected();
            connection.ready();
        }
    }

    /** The host moved: connections to addresses it no longer has take no new queries and close once drained. */
    private void moved(java.util.List<java.net.InetSocketAddress> now) {
        PipelinedConnection[] open;
        synchronized (this) {
            open = slots.clone();
        }
        for (PipelinedConnection c : open) {
            if (c != null) {
                c.retireUnless(now);
            }
        }
    }

    /** A connection is up: the upstream is reachable, backoff ends. */
    synchronized void connected() {
        if (failing) {
            log.info("upstream {} is reachable again", name());
        }
        failing = false;
        backoffNanos = 0;
        retryAtNanos = System.nanoTime();
    }

    /** A connect, handshake or I/O error on {@code connection}. */
    synchronized void connectionError(PipelinedConnection connection, Throwable cause) {
        if (shutdown) {
            return;
        }
        if (ConnectErrors.isConnectFailure(cause)) {
            totals.connectFailures.increment();
            counters.connectFailures.increment();
            health().failed(); // towards being marked down, as a lost query is
            backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
            long jitter = ThreadLocalRandom.current().nextLong(backoffNanos / 4 + 1);
            retryAtNanos = System.nanoTime() + backoffNanos + jitter;
            if (!failing) {
                log.warn("upstream {}: {}", name(), ConnectErrors.describe(cause));
                failing = true;
            } else {
                log.debug("upstream {}: {}", name(), ConnectErrors.describe(cause));
            }
        } else {
            log.debug("upstream {} connection error: {}", name(), ConnectErrors.describe(cause));
        }
    }

    void closed(PipelinedConnection connection) {
        synchronized (this) {
            retiring.remove(connection);
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] == connection) {
                    slots[i] = null;
                }
            }
        }
    }

    @Override
    public void close() {
        shutdown = true;
        addresses.close();
        PipelinedConnection[] copy;
        synchronized (this) {
            copy = slots.clone();
            for (PipelinedConnection c : retiring) {
                copy = java.util.Arrays.copyOf(copy, copy.length + 1);
                copy[copy.length - 1] = c;
            }
            retiring.clear();
        }
        for (PipelinedConnection c : copy) {
            if (c != null) {
                c.shutdown(new IOException("gateway shutting down"));
            }
        }
    }
}
