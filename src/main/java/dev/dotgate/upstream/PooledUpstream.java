package dev.dotgate.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream reached through a small pool of persistent connections that each carry many queries at once (DoT
 * and TCP pipelines, DoH's HTTP/2 streams, DoQ's QUIC streams): the pool every connection-keeping kind shares. A
 * query goes to the least loaded open connection; a new connection opens, up to the pool size, only when the open
 * ones are busy ({@value #SPREAD_AT} in flight, or their own capacity). Failed connects back off exponentially
 * (100 ms doubling to 2 s, with jitter), each counted and towards the upstream being marked down. When the host
 * moves, connections to the addresses it left take no new queries and close once drained.
 *
 * <p>A kind supplies its connection ({@link Connection}) and how one opens ({@link #open}); the connection calls
 * {@link #connected} once up, {@link #connectionError} on failures and {@link #closed} when gone.
 *
 * @param <C> the kind's connection
 */
abstract class PooledUpstream<C extends PooledUpstream.Connection> extends UpstreamBase {
    private static final Logger log = LoggerFactory.getLogger(PooledUpstream.class);
    /** Open another connection once the least loaded one has this many queries in flight. */
    static final int SPREAD_AT = 16;
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** One connection of the pool, as the pool sees it. */
    interface Connection {
        /** Queries waiting or in flight; any thread. */
        int load();

        /** The most queries it may carry at once (the peer may lower it, e.g. HTTP/2 SETTINGS). */
        int capacity();

        /** Another connection opens once the least loaded one carries this many (1 where queries go one at a time). */
        default int spreadAt() {
            return SPREAD_AT;
        }

        /** Closed, or closing: no place for a new query. */
        boolean isClosed();

        /** Closing with answers still to come: kept so that {@link PooledUpstream#close} reaches it. */
        boolean isDraining();

        /** Queues the query on this connection; any thread. */
        void send(UpstreamQuery query);

        /** Closes it from any thread, reporting what was on it lost. */
        void shutdown(Throwable cause);

        /** Unless its peer is one of {@code addresses}: no new queries, closed once drained. Any thread. */
        void retireUnless(List<InetSocketAddress> addresses);
    }

    final EventLoopGroup group;
    /** Connections out of their slot that may still be open (draining). */
    private final Set<Connection> retiring = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Connection[] slots;
    private long backoffNanos;       // guarded by this
    private long retryAtNanos;       // guarded by this
    private boolean failing;         // guarded by this; to log state changes once
    private volatile boolean shutdown;

    PooledUpstream(UpstreamSetup setup, EventLoopGroup group, UpstreamTotals totals, UpstreamCounters counters,
            int poolSize) {
        super(setup, group, totals, counters);
        this.group = group;
        this.slots = new Connection[poolSize];
        this.retryAtNanos = System.nanoTime();
        addresses.onChange(this::moved);
    }

    /** A new connection on {@code loop}, not yet opening. Under the pool's lock. */
    abstract C newConnection(EventLoop loop);

    /** Starts opening {@code connection} (connect, handshake); queries sent to it wait until it is up. */
    abstract void open(C connection);

    @Override
    public synchronized boolean available() {
        if (System.nanoTime() - retryAtNanos >= 0) {
            return true;
        }
        for (Connection c : slots) {
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
        for (Connection c : slots) {
            if (c != null && !c.isClosed()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void send(UpstreamQuery query) {
        Connection c = pick();
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

    private synchronized Connection pick() {
        if (shutdown) {
            return null;
        }
        Connection best = null;
        int free = -1;
        if (!retiring.isEmpty()) {
            retiring.removeIf(c -> !c.isDraining());
        }
        for (int i = 0; i < slots.length; i++) {
            Connection c = slots[i];
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
        boolean busy = best == null || best.load() >= Math.min(best.spreadAt(), best.capacity());
        if (busy && free >= 0 && System.nanoTime() - retryAtNanos >= 0) {
            C c = newConnection(group.next());
            totals.connects.increment();
            counters.connects.increment();
            slots[free] = c;
            open(c);
            return c;
        }
        return best != null && best.load() < best.capacity() ? best : null;
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

    /** A connection that never came up, whatever the error: counted and backed off as a failed connect. */
    void connectFailed(Throwable cause) {
        connectionError(ConnectErrors.isConnectFailure(cause) ? cause
                : new java.net.ConnectException(ConnectErrors.describe(cause)));
    }

    /** A connect, handshake or I/O error on a connection. */
    synchronized void connectionError(Throwable cause) {
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

    /** {@code connection} is gone: its slot is free. */
    void closed(Connection connection) {
        synchronized (this) {
            retiring.remove(connection);
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] == connection) {
                    slots[i] = null;
                }
            }
        }
    }

    /** The host moved: connections to addresses it no longer has take no new queries and close once drained. */
    private void moved(List<InetSocketAddress> now) {
        Connection[] open;
        synchronized (this) {
            open = slots.clone();
        }
        for (Connection c : open) {
            if (c != null) {
                c.retireUnless(now);
            }
        }
    }

    @Override
    public void close() {
        shutdown = true;
        addresses.close();
        List<Connection> all = new ArrayList<>();
        synchronized (this) {
            Collections.addAll(all, slots);
            all.addAll(retiring);
            retiring.clear();
        }
        for (Connection c : all) {
            if (c != null) {
                c.shutdown(new IOException("gateway shutting down"));
            }
        }
    }
}
