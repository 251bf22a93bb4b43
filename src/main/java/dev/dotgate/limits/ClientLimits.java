package dev.dotgate.limits;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The per-client limits ({@code [limits]}) and the global budget of buffered bytes, in one place for the
 * listeners. A client is an address prefix ({@link ClientKey}); its state ({@link ClientState}) is looked up
 * once per UDP query and once per stream connection.
 *
 * <ul>
 * <li>Connections: at most {@code max_connections_per_client} TCP, DoT and DoH connections at once; more are
 *     closed at accept, before they take one of the global {@code listen.max_connections}.</li>
 * <li>Queries in flight: at most {@code max_inflight_per_client} over every transport. This is what bounds one
 *     client's share of everything shared first come, first served: the UDP in-flight budget
 *     ({@code listen.max_udp_inflight}, 8,192) and each upstream's capacity (pool size times queries per
 *     connection, 2 x 1,024): with the default 256, one client cannot hold more than 256 of them, so a flood
 *     toward one slow upstream leaves room for everyone else. Over it, UDP queries are dropped and stream
 *     connections stop reading until the client's queries complete.</li>
 * <li>Query rate: a token bucket of {@code query_burst} refilled at {@code query_rate} a second. Over it, UDP
 *     queries are dropped (not answered TC=1: a truncated answer would cost as much as an answer and invite a
 *     TCP retry the bucket refuses too; a real stub retries after its timeout) and stream connections pause
 *     reading until the bucket has a token again.</li>
 * <li>Response rate limiting for UDP ({@link ResponseRateLimiter}).</li>
 * <li>Buffered bytes ({@link MemoryBudget}): over {@code max_buffered_bytes}, new stream connections are closed
 *     at accept and new UDP queries dropped, for every client, exempt or not.</li>
 * </ul>
 *
 * Clients inside {@code limits.exempt} (loopback by default) skip every per-client limit with one range check
 * and never enter the table. Every hold-back is counted ({@link LimitCounters}); drops and closed connections are
 * also reported as events with the decision {@code rate_limited} and the reason.
 */
public final class ClientLimits {
    /** How often the buffered-bytes budget is sampled, in milliseconds. */
    public static final long TICK_MILLIS = 20;
    /** Most clients kept in the table; beyond, new clients are not tabled ({@link ClientTable}). */
    public static final int MAX_CLIENTS = 100_000;
    static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** While the table is full, idle clients are swept this often (not every {@link #SWEEP_NANOS}). */
    static final long FULL_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A stream connection held back by its in-flight cap looks again after this long. */
    static final long INFLIGHT_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final LimitsOptions options;
    private final ExemptRanges exempt;
    private final ClientTable table;
    private final TokenBucket.Rate rate;
    private final ResponseRateLimiter rrl;
    private final MemoryBudget budget;
    private final long connectionReserve;
    private final LimitCounters counters;
    private final LongAdder rrlSlipped;
    private final QueryLifecycleObserver observer;
    private volatile ScheduledFuture<?> ticker;
    private long lastSweep = System.nanoTime(); // on the ticker's loop

    /**
     * {@code counters}, {@code overflowed} and {@code rrlSlipped} are the gateway's ({@code Stats});
     * {@code observer} hears of drops and refused connections (events, metrics).
     */
    public ClientLimits(LimitsOptions options, LimitCounters counters, LongAdder overflowed, LongAdder rrlSlipped,
            QueryLifecycleObserver observer) {
        this(options, counters, overflowed, rrlSlipped, observer, MemoryBudget::defaultAllocatorUsed, MAX_CLIENTS);
    }

    ClientLimits(LimitsOptions options, LimitCounters counters, LongAdder overflowed, LongAdder rrlSlipped,
            QueryLifecycleObserver observer, LongSupplier usedBytes, int maxClients) {
        this.options = options;
        this.exempt = new ExemptRanges(options.exempt());
        this.table = new ClientTable(maxClients, overflowed, System.nanoTime());
        this.rate = TokenBucket.Rate.of(options.queryRate(), options.queryBurst());
        this.rrl = new ResponseRateLimiter(options.rrlRate(), options.rrlSlip());
        this.budget = new MemoryBudget(options.maxBufferedBytes(), usedBytes, System::nanoTime);
        this.connectionReserve = connectionReserve(options);
        this.counters = counters;
        this.rrlSlipped = rrlSlipped;
        this.observer = observer;
        budget.sample();
    }

    /**
     * The state of {@code client} for a UDP query, or null when it is exempt. One range check, then one table
     * lookup; no allocation but the small key (and for IPv6 the address bytes). When the table is full and the
     * client new, one of the table's shared overflow states ({@link ClientTable}).
     */
    public ClientState state(InetSocketAddress client) {
        ClientKey key = key(client);
        return key == null ? null : table.get(key, System.nanoTime());
    }

    /** The key of {@code client}, or null when it is exempt. */
    private ClientKey key(InetSocketAddress client) {
        InetAddress a = client.getAddress();
        if (a instanceof Inet4Address a4) {
            int v4 = ClientKey.v4(a4);
            if (exempt.containsV4(v4)) {
                return null;
            }
            return ClientKey.ofV4(v4, options.clientPrefixV4());
        } else if (a instanceof Inet6Address a6) {
            byte[] b = a6.getAddress();
            long hi = ClientKey.high(b);
            long lo = ClientKey.low(b);
            if (exempt.containsV6(hi, lo)) {
                return null;
            }
            return ClientKey.ofV6(hi, lo, options.clientPrefixV6());
        }
        return null; // unresolved: not a client address at all
    }

    /**
     * A stream connection from {@code client} is being accepted: its state (kept on the channel, given back to
     * {@link #closeConnection} when it closes), null when exempt, or {@link ClientState#REFUSED} when it must be
     * closed now (over its connections, or over the buffered-bytes budget; counted and reported). When the
     * table is full and the client new, the connection gets a state of its own, shared with no one
     * ({@link ClientTable#forStream}): a flood of spoofed UDP sources cannot lock stream clients out.
     */
    public ClientState openConnection(InetSocketAddress client, Transport transport) {
        if (!budget.admitConnection(connectionReserve)) {
            return refuse(Reason.BUFFERED_BYTES, transport, client);
        }
        ClientKey key = key(client);
        ClientState s = key == null ? null : table.forStream(key, System.nanoTime());
        if (s != null && !s.openConnection(options.maxConnectionsPerClient())) {
            return refuse(Reason.CONNECTIONS, transport, client);
        }
        return s;
    }

    /** The connection {@link #openConnection} let in has closed; {@code state} may be null (exempt). */
    public void closeConnection(ClientState state) {
        if (state != null && state != ClientState.REFUSED) {
            state.closeConnection();
        }
    }

    /**
     * A UDP query from {@code client}: its state (null when exempt), or {@link ClientState#REFUSED} when it is
     * to be dropped (over its queries in flight, its query rate, or the buffered-bytes budget; counted and
     * reported). The caller hands the state to {@code QueryIntake}, which counts the query in flight.
     */
    public ClientState admitDatagram(InetSocketAddress client) {
        if (budget.over()) {
            return refuse(Reason.BUFFERED_BYTES, Transport.UDP, client);
        }
        ClientState s = state(client);
        if (s == null) {
            return null;
        }
        if (s.inflight() >= options.maxInflightPerClient()) {
            return refuse(Reason.INFLIGHT, Transport.UDP, client);
        }
        if (s.bucket.take(rate, System.nanoTime()) != 0) {
            return refuse(Reason.QUERY_RATE, Transport.UDP, client);
        }
        return s;
    }

    /**
     * Whether a stream connection of {@code state} may send its next query now: 0 when it may (a token is
     * taken), else how many nanoseconds to wait before asking again (the connection pauses meanwhile). Counted
     * when the connection starts to wait, not when it asks again while still waiting ({@code retry}: a
     * connection held by its in-flight share asks every {@link #INFLIGHT_RECHECK_NANOS}).
     */
    public long streamWait(ClientState state, Transport transport, boolean retry) {
        if (state.inflight() >= options.maxInflightPerClient()) {
            if (!retry) {
                counters.add(Reason.INFLIGHT, transport);
            }
            return INFLIGHT_RECHECK_NANOS;
        }
        long wait = state.bucket.take(rate, System.nanoTime());
        if (wait > 0 && !retry) {
            counters.add(Reason.QUERY_RATE, transport);
        }
        return wait;
    }

    private ClientState refuse(Reason reason, Transport transport, InetSocketAddress client) {
        counters.add(reason, transport);
        observer.dropped(transport, client, Decision.RATE_LIMITED, reason.label());
        return ClientState.REFUSED;
    }

    /** Largest UDP answer sent, whatever the client advertises ({@code limits.udp_answer_size}). */
    public int udpAnswerSize() {
        return options.udpAnswerSize();
    }

    /**
     * Response rate limiting of a UDP answer (borrowed) for a client with {@code state} (null: exempt, always
     * sent). A dropped answer is counted and reported (reason "rrl"), a slipped one counted.
     */
    public ResponseRateLimiter.Verdict judgeUdpAnswer(ClientState state, ByteBuf answer, int questionEnd,
            InetSocketAddress client) {
        if (state == null || !rrl.enabled()) {
            return ResponseRateLimiter.Verdict.SEND;
        }
        ResponseRateLimiter.Verdict v = rrl.judge(state, answer, questionEnd, System.nanoTime());
        if (v == ResponseRateLimiter.Verdict.DROP) {
            refuse(Reason.RRL, Transport.UDP, client);
        } else if (v == ResponseRateLimiter.Verdict.SLIP) {
            rrlSlipped.increment();
        }
        return v;
    }

    public MemoryBudget budget() {
        return budget;
    }

    /** Clients in the table now. */
    public int clients() {
        return table.size();
    }

    /** Starts sampling the budget and sweeping idle clients on {@code loop}. */
    public void start(EventExecutor loop) {
        ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void tick() {
        tick(System.nanoTime());
    }

    /**
     * Samples the budget; sweeps idle clients every {@link #SWEEP_NANOS}, or every {@link #FULL_SWEEP_NANOS}
     * while the table is full, so that new clients find room again soon after a flood of spoofed sources.
     */
    void tick(long now) {
        budget.sample();
        long since = now - lastSweep;
        if (since >= SWEEP_NANOS || (since >= FULL_SWEEP_NANOS && table.full())) {
            lastSweep = now;
            sweep(now);
        }
    }

    /**
     * What one stream connection may buffer before its first answer, reserved against the budget when it is let
     * in: a ClientHello or one query frame, and one TLS record (16 KiB plus its header and tag) being decrypted.
     */
    static long connectionReserve(LimitsOptions options) {
        return Math.max(options.maxClientHello(), options.maxQuerySize() + 2) + 16_384 + 256;
    }

    /** Removes idle clients from the table; returns how many. */
    int sweep(long now) {
        return table.sweep(now, now / 1_000_000_000L);
    }
}
