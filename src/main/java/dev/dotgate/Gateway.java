package dev.dotgate;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.dotgate.cache.CachingResolver;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.HostPort;
import dev.dotgate.config.Settings;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.ConnectionMeter;
import dev.dotgate.observe.Stats;
import dev.dotgate.observe.events.EventsObserver;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.observe.metrics.MetricsObserver;
import dev.dotgate.observe.metrics.MetricsServer;
import dev.dotgate.policy.Policy;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.runtime.GatewayMeters;
import dev.dotgate.runtime.ListRefreshing;
import dev.dotgate.runtime.ListenerIdentity;
import dev.dotgate.runtime.Services;
import dev.dotgate.runtime.Snapshot;
import dev.dotgate.server.Listeners;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.tls.ClientTls;
import dev.dotgate.tls.IdentityHolder;
import dev.dotgate.tls.ServerIdentity;
import dev.dotgate.tls.TlsProvider;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamFactories;
import dev.dotgate.upstream.UpstreamGroup;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway's lifecycle: {@link #start} binds the listeners in front of the first {@link Snapshot} (or
 * fails with a message for the user), {@link #reload} builds the next snapshot from a new configuration and swaps
 * it in without dropping connections or queries, {@link #stop} drains and closes. Everything a query uses lives in
 * the snapshot held by {@link #current}; what lives as long as the gateway (event loops, counters, listeners, the
 * listeners' certificate, the metrics endpoint) is made here once.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /** The configuration started with: what runs for every setting that takes a restart. */
    private final GatewayConfig started;
    private final Ticker cacheTicker;
    private final Stats stats = new Stats();
    private final Metrics metrics = new Metrics();
    private final EventLoopGroup group;
    private final int threads;
    /** The one snapshot serving now; swapped by start, reload and list refreshes (under this object's lock). */
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private Services services;
    /** The blocklists' refresher, swapping new lists into {@link #current} under this object's lock. */
    private final ListRefreshing lists = new ListRefreshing(this, current);
    private Listeners listeners;
    private MetricsServer metricsServer;
    private ListenerIdentity identity;

    public Gateway(GatewayConfig config) {
        this(config, Ticker.systemTicker());
    }

    /** With the clock the answer cache ages its entries by, so tests can move time instead of sleeping. */
    public Gateway(GatewayConfig config, Ticker cacheTicker) {
        this.cacheTicker = Objects.requireNonNull(cacheTicker, "cacheTicker");
        this.started = config;
        this.threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
        this.group = Transports.newGroup(threads, "dotgate");
    }

    public void start() throws BindFailure, IOException, GeneralSecurityException {
        GatewayConfig cfg = started;
        try {
            services = Services.of(group, stats, metrics, UpstreamFactories.standard(group,
                    ClientTls.context(cfg.upstream().ca()), stats.upstreamTotals), cacheTicker, current::get);
            current.set(Snapshot.build(cfg, null, services));
            QueryIntake intake = observers();
            GatewayMeters.bind(services, current::get);
            if (!cfg.listen().dot().isEmpty() || !cfg.listen().doh().isEmpty()) {
                identity = ListenerIdentity.start(cfg, group);
            }
            if (cfg.observe().metricsListen() != null) {
                metricsServer = MetricsServer.start(cfg.observe().metricsListen(), metrics);
            }
            listeners = new Listeners(cfg.listen(), cfg.limits(), group, threads, intake, stats.server, stats.tls,
                    stats.rateLimited, () -> identity.dot(), () -> identity.doh(), new ConnectionMeter(metrics));
            listeners.start();
            synchronized (this) {
                current.set(current.get().withDiscovery(cfg.serverName(), listeners.streamAddresses(Transport.DOT),
                        listeners.streamAddresses(Transport.DOH)));
                lists.restart(cfg);
            }
        } catch (BindFailure | IOException | GeneralSecurityException | RuntimeException e) {
            close();
            throw e;
        }
        log.info("dotgate listening on {}{}; upstreams {}; {} transport, TLS by {}", listeners.bound(),
                metricsServer == null ? "" : ", metrics on http://" + HostPort.format(metricsServer.address())
                        + "/metrics", upstreams().all().stream().map(Upstream::name).toList(), Transports.name(),
                TlsProvider.describe());
    }

    /** The query observers and the intake every listener hands its queries to, reading the current snapshot. */
    private QueryIntake observers() {
        QueryLifecycleObserver observer = QueryLifecycleObserver.of(new MetricsObserver(metrics),
                new EventsObserver(() -> current.get().events()));
        return new QueryIntake(() -> current.get().chain(), stats.server, stats.queryCounters, observer,
                () -> current.get().policy());
    }

    /**
     * Applies {@code next}: policy (access lists, allowlist, blocklists, local records), upstreams and forwarding
     * zones, cache settings and the event sink; user-supplied certificate files are read again (a bad pair is logged
     * and the running one kept). Connections and queries in flight are kept; upstreams that are gone close after the
     * timeout. Listener addresses, threads, the data directory, the server name and the metrics address need a
     * restart; a change to them is reported and ignored. Throws, keeping everything as it was, when the new policy
     * cannot be loaded.
     */
    public synchronized void reload(GatewayConfig next) throws IOException {
        Snapshot previous = current.get();
        reloadCertificates();
        Snapshot built = Snapshot.build(next, previous, services);
        List<String> restart = Settings.changed(started, next, true); // against what runs, not the last file
        if (!restart.isEmpty()) {
            log.warn("reload: {} changed; {} a restart to apply (running with the values started with)",
                    String.join(", ", restart), restart.size() == 1 ? "it takes" : "they take");
        }
        current.set(built);
        previous.retire(built);
        boolean routesChanged = !next.upstream().servers().equals(previous.config().upstream().servers())
                || !next.forwards().equals(previous.config().forwards());
        if (routesChanged && built.caching() != null) {
            built.caching().cache().invalidateAll(); // answers from upstreams that no longer answer these names
        }
        lists.restart(next);
        Policy p = built.policy();
        log.info("reloaded the configuration: {} blocked names, {} forwarding zones, cache {}",
                p.blocklists() == null ? 0 : p.blocklists().size(), next.forwards().size(),
                next.cache().enabled() ? "on" : "off");
    }

    /**
     * Reads the user-supplied certificate files again (nothing to do for the generated certificate): part of
     * {@link #reload}, and on its own when SIGHUP finds the config file broken. A bad pair is logged and the running
     * one kept.
     */
    public void reloadCertificates() {
        if (identity != null) {
            identity.reloadNow();
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

    @Override
    public void close() {
        if (identity != null) {
            identity.close();
        }
        lists.close();
        if (listeners != null) {
            listeners.closeAll();
        }
        Snapshot now = current.get();
        if (now != null) {
            now.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The one line of totals logged at shutdown. */
    public String totals() {
        Snapshot now = current.get();
        return now == null ? stats.summary() + " eventsWritten=0 eventsDropped=0"
                : GatewayMeters.totals(services, now);
    }

    public Stats stats() {
        return stats;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The configuration running now (the last one applied). */
    public GatewayConfig config() {
        Snapshot now = current.get();
        return now == null ? started : now.config();
    }

    /** The upstreams names without a conditional-forwarding zone go to. */
    public UpstreamGroup upstreams() {
        return current.get().routes().defaultGroup();
    }

    /** The cache step, or null when the cache is off. */
    public CachingResolver caching() {
        return current.get().caching();
    }

    public Policy policy() {
        return current.get().policy();
    }

    /** The certificate identity DoT and DoH listeners serve, or null when neither is configured. */
    public ServerIdentity identity() {
        return identity == null ? null : identity.holder().current();
    }

    /** The DoT and DoH listeners' identity and its changes (renewal, new files, SIGHUP); null when neither runs. */
    public IdentityHolder identities() {
        return identity == null ? null : identity.holder();
    }

    public InetSocketAddress address(Transport transport) {
        return listeners.address(transport, 0);
    }

    /** The bound metrics address, or null when metrics are off. */
    public InetSocketAddress metricsAddress() {
        return metricsServer == null ? null : metricsServer.address();
    }
}
