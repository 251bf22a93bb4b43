package dev.dotgate;

import dev.dotgate.cache.AnswerCache;
import dev.dotgate.cache.CacheCounters;
import dev.dotgate.cache.CachingResolver;
import dev.dotgate.config.ForwardZone;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.Settings;
import dev.dotgate.config.UpstreamOptions;
import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.ConnectionMeter;
import dev.dotgate.observe.Stats;
import dev.dotgate.observe.events.EventSink;
import dev.dotgate.observe.events.EventSinks;
import dev.dotgate.observe.events.EventsObserver;
import dev.dotgate.observe.metrics.CacheMeters;
import dev.dotgate.observe.metrics.EventMeters;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.observe.metrics.MetricsObserver;
import dev.dotgate.observe.metrics.MetricsServer;
import dev.dotgate.policy.AccessResolver;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.policy.Policy;
import dev.dotgate.policy.PolicyLoader;
import dev.dotgate.policy.PolicyResolver;
import dev.dotgate.policy.ListRefresher;
import dev.dotgate.resolve.ForwardingResolver;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Routes;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.Listeners;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.tls.CertificateReloader;
import dev.dotgate.tls.ClientTls;
import dev.dotgate.tls.IdentityHolder;
import dev.dotgate.tls.ServerIdentity;
import dev.dotgate.tls.ServerTls;
import dev.dotgate.tls.TlsProvider;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamCounters;
import dev.dotgate.upstream.UpstreamFactories;
import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.upstream.UpstreamSetup;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: listeners in front, the resolver chain (policy, cache, forwarding), upstreams behind, on one
 * set of event loops. {@link #start} binds everything or fails with a message for the user; {@link #reload}
 * applies a new configuration without dropping connections or queries; {@link #stop} drains and closes.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    private static final Duration RENEW_CHECK = Duration.ofHours(12);
    /** How often user-supplied certificate files are checked for a change (see CertificateReloader). */
    private static final long CERT_POLL_MILLIS = 2000;

    private volatile GatewayConfig config;
    /** The configuration started with: what runs for every setting that takes a restart. */
    private final GatewayConfig started;
    private final com.github.benmanes.caffeine.cache.Ticker cacheTicker;
    private final Stats stats = new Stats();
    private final Metrics metrics = new Metrics();
    private final EventLoopGroup group;
    private final int threads;
    private UpstreamFactories upstreamFactories;
    private final Map<UpstreamSetup, Upstream> upstreamsByKey = new HashMap<>();
    private volatile Routes routes;
    private volatile Policy policy;
    private ListRefresher refresher;
    private volatile CachingResolver caching;
    private volatile EventSink events = EventSink.OFF;
    private final java.util.concurrent.atomic.LongAdder retiredEventsWritten = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder retiredEventsDropped = new java.util.concurrent.atomic.LongAdder();
    private QueryIntake intake;
    private Listeners listeners;
    private MetricsServer metricsServer;
    private volatile SslContext dotContext;
    private volatile SslContext dohContext;
    private volatile IdentityHolder identities;
    private CertificateReloader certReloader;
    /** The cache's lookup counts, kept across reloads that replace the cache. */
    private final CacheCounters cacheCounters = new CacheCounters();

    public Gateway(GatewayConfig config) {
        this(config, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    /** With the clock the answer cache ages its entries by, so tests can move time instead of sleeping. */
    public Gateway(GatewayConfig config, com.github.benmanes.caffeine.cache.Ticker cacheTicker) {
        this.cacheTicker = java.util.Objects.requireNonNull(cacheTicker, "cacheTicker");
        this.config = config;
        this.started = config;
        this.threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
        this.group = Transports.newGroup(threads, "dotgate");
    }

    public Stats stats() {
        return stats;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The upstreams names without a conditional-forwarding zone go to. */
    public UpstreamGroup upstreams() {
        return routes.defaultGroup();
    }

    /** The cache step, or null when the cache is off. */
    public CachingResolver caching() {
        return caching;
    }

    public Policy policy() {
        return policy;
    }

    /** The certificate identity DoT and DoH listeners serve, or null when neither is configured. */
    public ServerIdentity identity() {
        IdentityHolder h = identities;
        return h == null ? null : h.current();
    }

    /**
     * The identity of the DoT and DoH listeners and its changes (renewal, new files, SIGHUP), from which their
     * TLS contexts are rebuilt; null when neither listener is configured.
     */
    public IdentityHolder identities() {
        return identities;
    }

    public InetSocketAddress address(Transport transport) {
        return listeners.address(transport, 0);
    }

    /** The bound metrics address, or null when metrics are off. */
    public InetSocketAddress metricsAddress() {
        return metricsServer == null ? null : metricsServer.address();
    }

    public void start() throws BindFailure, IOException, GeneralSecurityException {
        GatewayConfig cfg = config;
        try {
            upstreamFactories = UpstreamFactories.standard(group, ClientTls.context(cfg.upstream().ca()),
                    stats.upstreamTotals);
            routes = buildRoutes(cfg);
            policy = PolicyLoader.load(cfg.policy(), cfg.dataDir());
            events = EventSinks.open(cfg.observe().events(), cfg.observe().eventsQueue());
            QueryLifecycleObserver observer = QueryLifecycleObserver.of(new MetricsObserver(metrics),
                    new EventsObserver(() -> events));
            intake = new QueryIntake(chain(cfg, null), stats.server, stats.queryCounters, observer, () -> policy);
            registerMetrics();
            if (!cfg.listen().dot().isEmpty() || !cfg.listen().doh().isEmpty()) {
                loadIdentity();
                group.next().scheduleAtFixedRate(this::renewIfDue, RENEW_CHECK.toMinutes(), RENEW_CHECK.toMinutes(),
                        TimeUnit.MINUTES);
            }
            if (cfg.observe().metricsListen() != null) {
                metricsServer = MetricsServer.start(cfg.observe().metricsListen(), metrics);
            }
            listeners = new Listeners(cfg.listen(), cfg.limits(), group, threads, intake, stats.server, stats.tls,
                    stats.rateLimited, () -> dotContext, () -> dohContext, new ConnectionMeter(metrics));
            listeners.start();
            policy = withDiscovery(policy, cfg);
            startRefresher(cfg);
        } catch (BindFailure | IOException | GeneralSecurityException | RuntimeException e) {
            close();
            throw e;
        }
        log.info("dotgate listening on {}{}; upstreams {}; {} transport, TLS by {}", listeners.bound(),
                metricsServer == null ? "" : ", metrics on http://" + dev.dotgate.config.HostPort.format(
                        metricsServer.address()) + "/metrics",
                routes.defaultGroup().all().stream().map(Upstream::name).toList(), Transports.name(),
                TlsProvider.describe());
    }

    /** Access, policy, then the cache (unless off), then forwarding. Reuses {@code previous}'s cache when settings match. */
    private Resolver chain(GatewayConfig cfg, GatewayConfig previous) {
        Resolver forwarding = new ForwardingResolver(() -> routes, cfg.upstream().timeout(),
                stats.queryCounters);
        Resolver next = forwarding;
        if (cfg.cache().enabled()) {
            CachingResolver old = caching;
            AnswerCache cache = old != null && previous != null && previous.cache().equals(cfg.cache())
                    ? old.cache() : new AnswerCache(dev.dotgate.cache.CacheOptions.of(cfg.cache()), cacheTicker,
                    cacheCounters);
            caching = new CachingResolver(cache, forwarding, cfg.upstream().timeout().toMillis(),
                    cacheCounters.meter(), stats.queryCounters);
            next = caching;
        } else {
            caching = null;
        }
        return new AccessResolver(() -> policy, stats.refusedAcl, new PolicyResolver(() -> policy, next));
    }

    private void registerMetrics() {
        stats.meters().forEach(metrics::bind);
        metrics.bind(new CacheMeters(cacheCounters));
        metrics.gauge("dotgate.cache.entries", "answers in the cache", () -> {
            CachingResolver c = caching;
            return c == null ? 0 : c.cache().size();
        });
        metrics.gauge("dotgate.cache.bytes", "estimated memory the cached answers take, in bytes", () -> {
            CachingResolver c = caching;
            return c == null ? 0 : c.cache().estimatedBytes();
        });
        metrics.bind(new EventMeters(() -> retiredEventsWritten.sum() + events.written(),
                () -> retiredEventsDropped.sum() + events.dropped()));
        metrics.gauge("dotgate.blocklist.names", "names on the loaded blocklists", () -> {
            Policy p = policy;
            return p == null || p.blocklists() == null ? 0 : p.blocklists().size();
        });
    }

    /** Upstreams for the default group and each forwarding zone; an upstream already running is reused. */
    private Routes buildRoutes(GatewayConfig cfg) {
        Map<UpstreamSetup, Upstream> keep = new HashMap<>();
        int udpSize = cfg.limits().upstreamUdpSize();
        UpstreamGroup dflt = group(cfg.upstream().servers(), cfg.upstream(), udpSize, keep);
        Map<String, UpstreamGroup> zones = new LinkedHashMap<>();
        for (ForwardZone z : cfg.forwards()) {
            zones.put(z.zone(), group(z.servers(), cfg.upstream(), udpSize, keep));
        }
        Routes built = Routes.of(dflt, zones);
        List<Upstream> retired = new ArrayList<>();
        synchronized (upstreamsByKey) {
            for (Map.Entry<UpstreamSetup, Upstream> e : upstreamsByKey.entrySet()) {
                if (!keep.containsKey(e.getKey())) {
                    retired.add(e.getValue());
                }
            }
            upstreamsByKey.clear();
            upstreamsByKey.putAll(keep);
        }
        if (!retired.isEmpty()) {
            // Queries already sent to them get the full timeout to be answered, then the connections close.
            long grace = cfg.upstream().timeout().toMillis() + 500;
            group.next().schedule(() -> retired.forEach(Upstream::close), grace, TimeUnit.MILLISECONDS);
        }
        return built;
    }

    private UpstreamGroup group(List<UpstreamSpec> specs, UpstreamOptions options, int udpSize,
            Map<UpstreamSetup, Upstream> keep) {
        List<Upstream> list = new ArrayList<>();
        for (UpstreamSpec spec : specs) {
            // Same URI and same connection settings: the running upstream (and its connections) carries on.
            UpstreamSetup key = UpstreamSetup.of(spec, options, udpSize);
            Upstream u = keep.get(key);
            if (u == null) {
                synchronized (upstreamsByKey) {
                    u = upstreamsByKey.get(key);
                }
                if (u == null) {
                    u = upstream(key);
                }
                keep.put(key, u);
            }
            if (!list.contains(u)) {
                list.add(u);
            }
        }
        return new UpstreamGroup(list);
    }

    private Upstream upstream(UpstreamSetup setup) {
        String name = setup.spec().toString();
        boolean known = metrics.hasUpstream(name);
        UpstreamCounters counters = metrics.upstream(name).counters();
        if (!known) {
            metrics.upstream(name).openConnections(() -> {
                synchronized (upstreamsByKey) {
                    return upstreamsByKey.values().stream().filter(u -> u.name().equals(name))
                            .mapToInt(Upstream::openConnections).sum();
                }
            });
        }
        return upstreamFactories.create(setup, counters);
    }

    private void startRefresher(GatewayConfig cfg) {
        synchronized (this) {
            if (refresher != null) {
                refresher.close();
                refresher = null;
            }
            if (cfg.policy().blocklists().isEmpty()) {
                return;
            }
            ListRefresher[] self = new ListRefresher[1];
            Policy current = policy;
            self[0] = PolicyLoader.refresher(cfg.policy(), cfg.dataDir(), current.blocklists(), lists -> {
                synchronized (this) {
                    // A refresh that was already running when a reload replaced this refresher must not put
                    // the old lists back.
                    if (refresher == self[0] && self[0] != null) {
                        policy = policy.withBlocklists(lists);
                    }
                }
            });
            refresher = self[0];
        }
    }

    /**
     * Applies {@code next}: policy (access lists, allowlist, blocklists, local records), upstreams and forwarding
     * zones, cache settings and the event sink; user-supplied certificate files are read again (a bad pair is logged
     * and the running one kept). Connections and queries in flight are kept; upstreams that are
     * gone close after the timeout. Listener addresses, threads, the data directory, the server name and the
     * metrics address need a restart; a change to them is reported and ignored. Throws, keeping everything as it
     * was, when the new policy cannot be loaded.
     */
    public synchronized void reload(GatewayConfig next) throws IOException {
        GatewayConfig previous = config;
        reloadCertificates();
        Policy newPolicy = withDiscovery(PolicyLoader.load(next.policy(), next.dataDir()), next);
        List<String> restart = Settings.changed(started, next, true); // against what runs, not the last file
        if (!restart.isEmpty()) {
            log.warn("reload: {} changed; {} a restart to apply (running with the values started with)",
                    String.join(", ", restart), restart.size() == 1 ? "it takes" : "they take");
        }
        if (!next.observe().events().equals(previous.observe().events())
                || next.observe().eventsQueue() != previous.observe().eventsQueue()) {
            EventSink old = events;
            if (next.observe().events().equals(previous.observe().events())) {
                retireEvents(old); // same file: never two writers appending to it at once
                events = EventSinks.open(next.observe().events(), next.observe().eventsQueue());
            } else {
                EventSink opened = EventSinks.open(next.observe().events(), next.observe().eventsQueue());
                events = opened;
                retireEvents(old);
            }
        }
        boolean routesChanged = !next.upstream().servers().equals(previous.upstream().servers())
                || !next.forwards().equals(previous.forwards());
        routes = buildRoutes(next);
        policy = newPolicy;
        intake.resolver(chain(next, previous));
        if (routesChanged && caching != null) {
            caching.cache().invalidateAll(); // answers from upstreams that no longer answer these names
        }
        config = next;
        startRefresher(next);
        log.info("reloaded the configuration: {} blocked names, {} forwarding zones, cache {}",
                newPolicy.blocklists() == null ? 0 : newPolicy.blocklists().size(), next.forwards().size(),
                next.cache().enabled() ? "on" : "off");
    }

    /**
     * Reads the user-supplied certificate files again (nothing to do for the generated certificate): part of
     * {@link #reload}, and on its own when SIGHUP finds the config file broken. A bad pair is logged and the running
     * one kept.
     */
    public void reloadCertificates() {
        if (certReloader != null) {
            certReloader.reloadNow();
        }
    }

    /** Closes a replaced event sink, keeping its totals in the counters. */
    private void retireEvents(EventSink old) {
        old.close();
        retiredEventsWritten.add(old.written());
        retiredEventsDropped.add(old.dropped());
    }

    /**
     * Adds the DDR records (RFC 9462) for the bound DoT and DoH listeners to the local records, so clients asking
     * {@code _dns.resolver.arpa} SVCB upgrade to DoT or DoH.
     */
    private Policy withDiscovery(Policy p, GatewayConfig cfg) {
        List<InetSocketAddress> dot = listeners.streamAddresses(Transport.DOT);
        List<InetSocketAddress> doh = listeners.streamAddresses(Transport.DOH);
        if (dot.isEmpty() && doh.isEmpty()) {
            return p;
        }
        return p.withLocal(dev.dotgate.policy.local.LocalRecords.parse(cfg.policy().local(),
                dev.dotgate.discovery.DesignatedResolver.records(config.serverName(), dot, doh)));
    }

    public GatewayConfig config() {
        return config;
    }

    /**
     * The user's certificate files (checked, then watched for changes) or the generated identity; the DoT and
     * DoH contexts are built from it now and again on every change.
     */
    private void loadIdentity() throws IOException, GeneralSecurityException {
        GatewayConfig cfg = config;
        if (cfg.listen().cert() != null) {
            certReloader = CertificateReloader.start(cfg.listen().cert(), cfg.listen().key(), cfg.serverName(),
                    Duration.ofMillis(Long.getLong("dotgate.certPollMillis", CERT_POLL_MILLIS)));
            identities = certReloader.holder();
        } else {
            identities = new IdentityHolder(ServerIdentity.generated(cfg.dataDir(), cfg.serverName()));
        }
        try {
            identities.onChange(id -> {
                try {
                    SslContext dot = ServerTls.context(id); // both built before either is used
                    SslContext doh = ServerTls.dohContext(id);
                    dotContext = dot;
                    dohContext = doh;
                } catch (javax.net.ssl.SSLException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void renewIfDue() {
        if (config.listen().cert() == null && identities.current().expiresWithin(ServerIdentity.RENEW_BEFORE)) {
            try {
                if (identities.publish(ServerIdentity.generated(config.dataDir(), config.serverName()))) {
                    log.info("renewed the server certificate");
                } else {
                    log.error("could not use the renewed server certificate; trying again in {}h",
                            RENEW_CHECK.toHours());
                }
            } catch (IOException | GeneralSecurityException e) {
                log.error("could not renew the DoT server certificate: {}", e.getMessage());
            }
        }
    }

    /** Stops accepting, waits up to {@code grace} for queries in flight, then closes everything. */
    public void stop(Duration grace) {
        if (listeners != null) {
            listeners.stopAccepting();
            long deadline = System.nanoTime() + grace.toNanos();
            while (stats.inflight() > 0 && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        close();
        log.info("dotgate stopped: {}", totals());
    }

    /** The one line of totals logged at shutdown. */
    public String totals() {
        StringBuilder sb = new StringBuilder(stats.summary());
        CachingResolver c = caching;
        if (c != null) {
            sb.append(" cacheHits=").append(cacheCounters.hits.sum()).append(" cacheMisses=")
                    .append(cacheCounters.misses.sum()).append(" cacheStale=").append(cacheCounters.stale.sum())
                    .append(" prefetches=").append(cacheCounters.prefetches.sum()).append(" coalesced=")
                    .append(c.coalesced());
        }
        sb.append(" eventsWritten=").append(retiredEventsWritten.sum() + events.written())
                .append(" eventsDropped=").append(retiredEventsDropped.sum() + events.dropped());
        return sb.toString();
    }

    @Override
    public void close() {
        if (certReloader != null) {
            certReloader.close();
        }
        synchronized (this) {
            if (refresher != null) {
                refresher.close();
                refresher = null;
            }
        }
        if (listeners != null) {
            listeners.closeAll();
        }
        synchronized (upstreamsByKey) {
            upstreamsByKey.values().forEach(Upstream::close);
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        events.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
