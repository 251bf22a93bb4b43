package dev.dotgate.observe.metrics;

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
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.xbill.DNS.Rcode;

/**
 * The gateway's metrics, in a Micrometer {@link PrometheusMeterRegistry}. Names are written in Micrometer's dot
 * style and come out as {@code dotgate_*} in the Prometheus text format; every metric has a description (HELP).
 *
 * <p>Counters owned by other packages come in as {@link MeterBinder}s ({@link #bind}): each count is kept once, by
 * the package that counts, and read at each scrape. The per-query methods ({@link #query}, the handshake counters,
 * {@link UpstreamMeters}) neither allocate nor lock once a label combination has been seen: the meters are cached
 * in arrays indexed by ordinal, created on first use (so the scrape shows only combinations that occurred).
 */
public final class Metrics implements AutoCloseable {
    static final String QUERIES = "dotgate.queries";
    static final String QUERY_DURATION = "dotgate.query.duration";
    static final String EXTENDED_ERRORS = "dotgate.extended.errors";
    /** The INFO-CODEs counted by their number (0 to 24, the registry's); above, "other". */
    private static final int EDE_CODES = 25;
    static final String UPSTREAM_ANSWERS = "dotgate.upstream.answers";
    static final String UPSTREAM_DURATION = "dotgate.upstream.duration";
    static final String UPSTREAM_ERRORS = "dotgate.upstream.errors";
    static final String UPSTREAM_TIMEOUTS = "dotgate.upstream.timeouts";
    static final String UPSTREAM_SRTT = "dotgate.upstream.srtt";
    static final String UPSTREAM_UP = "dotgate.upstream.up";
    static final String UPSTREAM_CONNECTS = "dotgate.upstream.connects";
    static final String UPSTREAM_CONNECT_FAILURES = "dotgate.upstream.connect.failures";
    static final String UPSTREAM_CONNECTIONS = "dotgate.upstream.connections";
    static final String DOT_HANDSHAKES = "dotgate.dot.handshakes";
    static final String DOT_HANDSHAKE_FAILURES = "dotgate.dot.handshake.failures";
    static final String DOH_HANDSHAKES = "dotgate.doh.handshakes";
    static final String DOH_HANDSHAKE_FAILURES = "dotgate.doh.handshake.failures";
    static final String CLIENT_CONNECTIONS = "dotgate.client.connections";

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
    private final AtomicReferenceArray<Counter> edeCounters =
            new AtomicReferenceArray<>(DECISIONS.length * (EDE_CODES + 1));
    private final Counter dotHandshakes;
    private final Counter[] dotHandshakeFailures;
    private final Counter dohHandshakes;
    private final Counter[] dohHandshakeFailures;
    private final Counter dotResumed;
    private final Counter dohResumed;
    private final Counter doqResumed;
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
        dotHandshakes = Counter.builder(DOT_HANDSHAKES)
                .description("DoT client TLS handshakes completed")
                .register(registry);
        dotHandshakeFailures = handshakeFailures(DOT_HANDSHAKE_FAILURES, "DoT");
        dohHandshakes = Counter.builder(DOH_HANDSHAKES)
                .description("DoH client TLS handshakes completed")
                .register(registry);
        dohHandshakeFailures = handshakeFailures(DOH_HANDSHAKE_FAILURES, "DoH");
        dotResumed = resumedCounter("dot");
        dohResumed = resumedCounter("doh");
        doqResumed = resumedCounter("doq");
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

    static Timer latencyTimer(String name, String help, Tags tags, MeterRegistry registry) {
        return Timer.builder(name)
                .description(help)
                .tags(tags)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    /**
     * Binds the meters of one owner of counters ({@link OwnerMeters} and the other binders of this package, or any
     * {@link MeterBinder}): called once per binder when the gateway is built. The binder is held as long as the
     * registry, so the counters its function meters read stay reachable.
     */
    public void bind(MeterBinder binder) {
        binder.bindTo(registry);
        held.add(binder);
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

    /**
     * Counts a reply that carried the Extended DNS Error {@code code} (RFC 8914), the gateway's or an upstream's,
     * by code and decision; codes past the registry's are counted as "other".
     */
    public void extendedError(int code, Decision decision) {
        if (code < 0 || decision == null) {
            return;
        }
        int c = Math.min(code, EDE_CODES);
        int i = decision.ordinal() * (EDE_CODES + 1) + c;
        Counter counter = edeCounters.get(i);
        if (counter == null) {
            counter = Counter.builder(EXTENDED_ERRORS)
                    .description("Replies sent with an Extended DNS Error (RFC 8914), made by the gateway or passed "
                            + "on from an upstream, by INFO-CODE and decision")
                    .tags("code", c == EDE_CODES ? "other" : Integer.toString(c), "decision", decision.label())
                    .register(registry);
            edeCounters.set(i, counter);
        }
        counter.increment();
    }

    private static String label(Transport t) {
        return t.name().toLowerCase(Locale.ROOT);
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
    /** A client's TLS handshake resumed a session. */
    public void resumed(Transport transport) {
        Counter c = transport == Transport.DOH ? dohResumed : transport == Transport.DOQ ? doqResumed : dotResumed;
        c.increment();
    }

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

    private Counter resumedCounter(String transport) {
        return Counter.builder("dotgate.tls.resumed")
                .description("Client TLS handshakes that resumed a session (a ticket from an earlier connection), "
                        + "by transport")
                .tag("transport", transport).register(registry);
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

    /** Registers the gauge of open DoQ client connections. */
    public void doqConnectionsOpen(Supplier<Number> open) {
        clientConnections("doq", open);
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
