package dev.dotgate.observe.metrics;

import dev.dotgate.observe.HttpStatusCounts;
import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.xbill.DNS.Rcode;

/**
 * The gateway's metrics, in a Micrometer {@link PrometheusMeterRegistry}. Names are written in Micrometer's dot
 * style and come out as {@code dotgate_*} in the Prometheus text format; every metric has a description (HELP).
 *
 * <p>The per-query methods ({@link #query}, the cache and DoT counters, {@link UpstreamMeters}) neither allocate
 * nor lock once a label combination has been seen: the meters are cached in arrays indexed by ordinal, created on
 * first use (so the scrape shows only combinations that occurred).
 */
public final class Metrics implements AutoCloseable {
    static final String QUERIES = "dotgate.queries";
    static final String QUERY_DURATION = "dotgate.query.duration";
    static final String QUERIES_INFLIGHT = "dotgate.queries.inflight";
    static final String CACHE_LOOKUPS = "dotgate.cache.lookups";
    static final String CACHE_PREFETCHES = "dotgate.cache.prefetches";
    static final String UPSTREAM_ANSWERS = "dotgate.upstream.answers";
    static final String UPSTREAM_DURATION = "dotgate.upstream.duration";
    static final String UPSTREAM_ERRORS = "dotgate.upstream.errors";
    static final String UPSTREAM_TIMEOUTS = "dotgate.upstream.timeouts";
    static final String UPSTREAM_CONNECTS = "dotgate.upstream.connects";
    static final String UPSTREAM_CONNECT_FAILURES = "dotgate.upstream.connect.failures";
    static final String UPSTREAM_CONNECTIONS = "dotgate.upstream.connections";
    static final String DOT_HANDSHAKES = "dotgate.dot.handshakes";
    static final String DOT_HANDSHAKE_FAILURES = "dotgate.dot.handshake.failures";
    static final String DOH_HANDSHAKES = "dotgate.doh.handshakes";
    static final String DOH_HANDSHAKE_FAILURES = "dotgate.doh.handshake.failures";
    static final String CLIENT_CONNECTIONS = "dotgate.client.connections";
    static final String DOH_BAD_REQUESTS = "dotgate.doh.bad.requests";
    static final String EVENTS_WRITTEN = "dotgate.events.written";
    static final String EVENTS_DROPPED = "dotgate.events.dropped";
    static final String RATE_LIMITED = "dotgate.rate.limited";

    /**
     * Names this class gives labelled meters. A {@link Stats} counter whose name would be one of these (queries,
     * upstreamConnects, upstreamConnectFailures) is exported as {@code dotgate_stats_<field>_total} instead,
     * because Prometheus needs one label set per metric name.
     */
    static final Set<String> OWN_NAMES = Set.of(QUERIES, QUERY_DURATION, QUERIES_INFLIGHT, CACHE_LOOKUPS,
            CACHE_PREFETCHES, UPSTREAM_ANSWERS, UPSTREAM_DURATION, UPSTREAM_ERRORS, UPSTREAM_TIMEOUTS,
            UPSTREAM_CONNECTS, UPSTREAM_CONNECT_FAILURES, UPSTREAM_CONNECTIONS, DOT_HANDSHAKES,
            DOT_HANDSHAKE_FAILURES, CLIENT_CONNECTIONS, EVENTS_WRITTEN, EVENTS_DROPPED, RATE_LIMITED, DOH_BAD_REQUESTS);

    /** Histogram bucket bounds of the latency histograms, in seconds: 50 µs to 5 s. */
    public static final List<Double> LATENCY_BUCKETS_SECONDS = List.of(0.00005, 0.0001, 0.00025, 0.0005, 0.001,
            0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0);
    private static final Duration[] LATENCY_BUCKETS = LATENCY_BUCKETS_SECONDS.stream()
            .map(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);

    /** The rcode label: 0..15 by mnemonic, then "other" for extended rcodes and "none" when nothing was sent. */
    private static final String[] RCODE_LABELS = new String[18];
    private static final int RCODE_OTHER = 16;
    private static final int RCODE_NONE = 17;
    private static final Transport[] TRANSPORTS = Transport.values();
    private static final Decision[] DECISIONS = Decision.values();

    /** Handshake failure causes; anything else counts as "other". */
    public static final List<String> HANDSHAKE_FAILURE_CAUSES = List.of("alpn", "timeout", "protocol",
            "client_hello_too_long", "other");

    private static final Map<String, String> STATS_HELP = Map.ofEntries(
            Map.entry("queries", "Queries accepted from clients (Stats.queries)"),
            Map.entry("completed", "Queries completed: answered or failed with an error response"),
            Map.entry("answered", "Queries answered with an upstream's response"),
            Map.entry("servfailTimeout", "Queries answered SERVFAIL because no upstream answered in time"),
            Map.entry("servfailNoUpstream", "Queries answered SERVFAIL because no upstream could take them"),
            Map.entry("formerr", "Queries answered FORMERR (malformed, over TCP or DoT)"),
            Map.entry("notimp", "Queries answered NOTIMP (unsupported opcode, over TCP or DoT)"),
            Map.entry("truncated", "UDP answers sent truncated (TC=1) because they exceeded the client's size"),
            Map.entry("udpDroppedMalformed", "UDP datagrams dropped because they were not DNS queries"),
            Map.entry("udpDroppedOverload", "UDP queries dropped because too many were in flight"),
            Map.entry("streamClosedUnframeable", "TCP or DoT connections closed on a message that was not DNS"),
            Map.entry("streamOversized", "TCP or DoT connections closed on a length prefix over limits.max_query_size"),
            Map.entry("streamFrameTimeout", "TCP or DoT connections closed because a started query frame (or TLS "
                    + "record) was not complete within limits.frame_timeout"),
            Map.entry("tlsClientHelloTooLong", "DoT or DoH connections closed because the TLS ClientHello declared "
                    + "more than limits.max_client_hello bytes"),
            Map.entry("connectionsRefusedOverLimit", "Client connections closed at once: too many open"),
            Map.entry("dotRefusedAlpn", "DoT connections refused because the client offered ALPN without dot"),
            Map.entry("refusedAcl", "Queries refused and DoT connections closed: client outside the access list"),
            Map.entry("proxyHeaderRejected", "Connections closed and datagrams dropped from a trusted load balancer "
                    + "without a valid PROXY protocol header"),
            Map.entry("proxyHeaderUntrusted", "TCP or DoT connections closed: a PROXY protocol header from a source "
                    + "outside proxy_protocol.trusted"),
            Map.entry("retries", "Queries sent again to another upstream after an attempt was lost"),
            Map.entry("upstreamConnects", "Upstream connections established, all upstreams (Stats)"),
            Map.entry("upstreamConnectFailures", "Upstream connection attempts that failed, all upstreams (Stats)"),
            Map.entry("upstreamSilentClosed", "Upstream connections closed, or udp upstreams skipped, because they stopped answering"),
            Map.entry("upstreamIdleClosed", "Upstream connections closed after being idle"),
            Map.entry("upstreamUnmatched", "Upstream answers that matched no query in flight"),
            Map.entry("upstreamLate", "Upstream answers that arrived after their query had completed"),
            Map.entry("upstreamMalformed", "Upstream messages that could not be read as DNS answers"),
            Map.entry("upstreamTruncatedRetriedTcp", "Truncated UDP upstream answers retried over TCP"),
            Map.entry("upstreamCaseMismatch", "UDP upstream answers dropped as spoofed: the question did not echo "
                    + "the random letter case sent (0x20)"),
            Map.entry("connectionsRefusedAcl", "TCP, DoT and DoH connections closed at accept: client outside the "
                    + "listener's access list"),
            Map.entry("rrlSlipped", "UDP answers over the response rate limit sent truncated (TC=1) instead of "
                    + "dropped"),
            Map.entry("clientTableOverflow", "Queries and connections of new clients while the client table was "
                    + "full (UDP ones shared one of 1024 overflow states, stream connections got their own)"),
            Map.entry("dohStreamsTimedOut", "HTTP/2 DoH streams reset (CANCEL): the request was not complete within "
                    + "limits.frame_timeout"),
            Map.entry("dohStreamErrors", "HTTP/2 DoH streams reset on a stream error (RFC 9113 section 5.4.2), "
                    + "e.g. a body longer than its Content-Length"),
            Map.entry("dohStreamsRefused", "HTTP/2 DoH streams refused (REFUSED_STREAM): the request bodies being "
                    + "received on the connection already fill its budget"));

    static {
        for (int i = 0; i < 16; i++) {
            RCODE_LABELS[i] = Rcode.string(i);
        }
        RCODE_LABELS[RCODE_OTHER] = "other";
        RCODE_LABELS[RCODE_NONE] = "none";
    }

    private final PrometheusMeterRegistry registry;
    private final AtomicReferenceArray<Counter> queryCounters =
            new AtomicReferenceArray<>(TRANSPORTS.length * DECISIONS.length * RCODE_LABELS.length);
    private final AtomicReferenceArray<Timer> queryDurations =
            new AtomicReferenceArray<>(TRANSPORTS.length * DECISIONS.length);
    private final Counter cacheHit;
    private final Counter cacheMiss;
    private final Counter cacheStale;
    private final Counter cachePrefetch;
    private final Counter dotHandshakes;
    private final Counter[] dotHandshakeFailures;
    private final Counter dohHandshakes;
    private final Counter[] dohHandshakeFailures;
    private final ConcurrentHashMap<String, UpstreamMeters> upstreams = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Function counters refer to their objects weakly; these keep them alive as long as the registry. */
    private final List<Object> held = new CopyOnWriteArrayList<>();

    /** With JVM and process metrics (memory, GC, threads, CPU, uptime, file descriptors). */
    public Metrics() {
        this(true);
    }

    public Metrics(boolean jvmMetrics) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Two of Micrometer's processor meters fail promtool's lint: process_cpu_time_ns_total (abbreviated
        // unit; replaced by process_cpu_seconds_total below) and system_cpu_count ("_count" on a gauge).
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        cacheHit = cacheLookups("hit");
        cacheMiss = cacheLookups("miss");
        cacheStale = cacheLookups("stale");
        cachePrefetch = Counter.builder(CACHE_PREFETCHES)
                .description("Cache entries refreshed from an upstream before they expired")
                .register(registry);
        dotHandshakes = Counter.builder(DOT_HANDSHAKES)
                .description("DoT client TLS handshakes completed")
                .register(registry);
        dotHandshakeFailures = handshakeFailures(DOT_HANDSHAKE_FAILURES, "DoT");
        dohHandshakes = Counter.builder(DOH_HANDSHAKES)
                .description("DoH client TLS handshakes completed")
                .register(registry);
        dohHandshakeFailures = handshakeFailures(DOH_HANDSHAKE_FAILURES, "DoH");
        if (jvmMetrics) {
            new JvmMemoryMetrics().bindTo(registry);
            JvmGcMetrics gc = new JvmGcMetrics();
            gc.bindTo(registry);
            closeables.add(gc);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            processCpuSeconds();
            new UptimeMetrics().bindTo(registry);
            new FileDescriptorMetrics().bindTo(registry);
        }
    }

    private void processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu.seconds", os, o -> o.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the process, in seconds")
                    .register(registry);
            held.add(os);
        }
    }

    private Counter cacheLookups(String result) {
        return Counter.builder(CACHE_LOOKUPS)
                .description("Cache lookups by result: hit (fresh), miss, stale (expired entry served)")
                .tag("result", result)
                .register(registry);
    }

    static Timer latencyTimer(String name, String help, Tags tags, MeterRegistry registry) {
        return Timer.builder(name)
                .description(help)
                .tags(tags)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    /** The registry, for meters this class does not know about. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * One completed query: {@code rcode} is the response code sent back, or negative when nothing was sent
     * (label "none"); codes above 15 are labelled "other". Lock-free and allocation-free once the combination has
     * been seen.
     */
    public void query(Transport transport, int rcode, Decision decision, long latencyNanos) {
        if (transport == null || decision == null) {
            return;
        }
        int td = transport.ordinal() * DECISIONS.length + decision.ordinal();
        int r = rcode < 0 ? RCODE_NONE : rcode > 15 ? RCODE_OTHER : rcode;
        int i = td * RCODE_LABELS.length + r;
        Counter counter = queryCounters.get(i);
        if (counter == null) {
            counter = Counter.builder(QUERIES)
                    .description("Queries completed, by transport, response code sent (none: nothing sent back; "
                            + "other: above 15) and decision")
                    .tags("transport", label(transport), "rcode", RCODE_LABELS[r], "decision", decision.label())
                    .register(registry);
            queryCounters.set(i, counter);
        }
        counter.increment();
        Timer timer = queryDurations.get(td);
        if (timer == null) {
            timer = latencyTimer(QUERY_DURATION, "Time from a query's arrival until its answer was sent (or it was "
                    + "dropped), by transport and decision",
                    Tags.of("transport", label(transport), "decision", decision.label()), registry);
            queryDurations.set(td, timer);
        }
        timer.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    private static String label(Transport t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    public void cacheHit() {
        cacheHit.increment();
    }

    public void cacheMiss() {
        cacheMiss.increment();
    }

    public void cacheStale() {
        cacheStale.increment();
    }

    public void cachePrefetch() {
        cachePrefetch.increment();
    }

    /**
     * Registers a gauge read at each scrape, e.g. {@code gauge("dotgate.cache.entries", "Entries in the cache",
     * cache::size)}. The supplier is held strongly. Names should start with {@code dotgate.}.
     */
    public void gauge(String name, String help, Supplier<Number> value) {
        Gauge.builder(name, value).description(help).strongReference(true).register(registry);
    }

    /** Whether meters exist for an upstream of this name. */
    public boolean hasUpstream(String name) {
        return upstreams.containsKey(name);
    }

    /** The meters of one upstream, created on the first call for {@code name}, e.g. "tls://127.0.0.1:853#q". */
    public UpstreamMeters upstream(String name) {
        return upstreams.computeIfAbsent(name, n -> new UpstreamMeters(registry, n));
    }

    /** A DoT ({@code transport} DOT) or DoH (DOH) client completed its TLS handshake. */
    public void handshake(Transport transport) {
        (transport == Transport.DOH ? dohHandshakes : dotHandshakes).increment();
    }

    /**
     * A DoT or DoH client's TLS handshake failed; {@code cause} is one of {@link #HANDSHAKE_FAILURE_CAUSES}, else
     * counted as "other".
     */
    public void handshakeFailure(Transport transport, String cause) {
        int i = cause == null ? -1 : HANDSHAKE_FAILURE_CAUSES.indexOf(cause);
        Counter[] failures = transport == Transport.DOH ? dohHandshakeFailures : dotHandshakeFailures;
        failures[i < 0 ? HANDSHAKE_FAILURE_CAUSES.indexOf("other") : i].increment();
    }

    private Counter[] handshakeFailures(String name, String what) {
        Counter[] out = new Counter[HANDSHAKE_FAILURE_CAUSES.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Counter.builder(name)
                    .description(what + " client TLS handshakes that failed, by cause (alpn, timeout, protocol, "
                            + "client_hello_too_long, other)")
                    .tag("cause", HANDSHAKE_FAILURE_CAUSES.get(i))
                    .register(registry);
        }
        return out;
    }

    /** Registers the gauge of open DoT client connections. */
    public void dotConnectionsOpen(Supplier<Number> open) {
        clientConnections("dot", open);
    }

    /** Registers the gauge of open DoH client connections. */
    public void dohConnectionsOpen(Supplier<Number> open) {
        clientConnections("doh", open);
    }

    /** Registers the gauge of open plain TCP client connections. */
    public void tcpConnectionsOpen(Supplier<Number> open) {
        clientConnections("tcp", open);
    }

    private void clientConnections(String transport, Supplier<Number> open) {
        Gauge.builder(CLIENT_CONNECTIONS, open)
                .description("Client connections open now, by transport")
                .tag("transport", transport)
                .strongReference(true)
                .register(registry);
    }

    /**
     * Exposes every {@link LongAdder} of {@code stats} as a counter {@code dotgate_<snake_case_field>_total} (or
     * {@code dotgate_stats_<field>_total} where that name belongs to a labelled metric here, see
     * {@link #OWN_NAMES}), plus the gauge {@code dotgate_queries_inflight}. Call once.
     */
    public void registerCounters(Stats stats) {
        for (Field field : Stats.class.getFields()) {
            if (field.getType() != LongAdder.class || Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            LongAdder adder;
            try {
                adder = (LongAdder) field.get(stats);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            FunctionCounter.builder(statsName(field.getName()), adder, LongAdder::sum)
                    .description(STATS_HELP.getOrDefault(field.getName(), "Stats." + field.getName()))
                    .register(registry);
            held.add(adder);
        }
        for (var reason : dev.dotgate.limits.LimitCounters.Reason.values()) {
            for (Transport t : TRANSPORTS) {
                LongAdder adder = stats.rateLimited.counter(reason, t);
                FunctionCounter.builder(RATE_LIMITED, adder, LongAdder::sum)
                        .description("Queries and connections held back by the client limits, by reason "
                                + "(query_rate, inflight, connections, rrl, buffered_bytes) and transport: UDP "
                                + "queries or answers dropped, connections closed at accept, stream connections "
                                + "paused")
                        .tags("reason", reason.label(), "transport", label(t))
                        .register(registry);
                held.add(adder);
            }
        }
        for (int status : HttpStatusCounts.STATUSES) {
            LongAdder adder = stats.dohBadRequests.counter(status);
            FunctionCounter.builder(DOH_BAD_REQUESTS, adder, LongAdder::sum)
                    .description("DoH requests answered with an HTTP error status (malformed, too large, wrong "
                            + "method or type), by status")
                    .tag("status", Integer.toString(status))
                    .register(registry);
            held.add(adder);
        }
        Gauge.builder(QUERIES_INFLIGHT, stats, Stats::inflight)
                .description("Queries accepted and not yet completed")
                .strongReference(true)
                .register(registry);
    }

    /** {@code upstreamSilentClosed} → {@code dotgate.upstream.silent.closed}. */
    static String statsName(String field) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (Character.isUpperCase(c)) {
                sb.append('.').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        String name = "dotgate." + sb;
        return OWN_NAMES.contains(name) ? "dotgate.stats." + sb : name;
    }

    /** Registers dotgate_events_written_total and dotgate_events_dropped_total. */
    public void registerEvents(Supplier<Number> written, Supplier<Number> dropped) {
        FunctionCounter.builder(EVENTS_WRITTEN, written, s -> s.get().doubleValue())
                .description("Query events written to the event output")
                .register(registry);
        FunctionCounter.builder(EVENTS_DROPPED, dropped, s -> s.get().doubleValue())
                .description("Query events dropped: queue full, write failed, or after shutdown")
                .register(registry);
        held.add(written);
        held.add(dropped);
    }


    /** The Prometheus text format (0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // binder close only removes listeners
            }
        }
        registry.close();
    }
}
