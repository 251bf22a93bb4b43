package dev.dotgate;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.Stats;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.resolve.Transport;
import dev.dotgate.runtime.Front;
import dev.dotgate.runtime.GatewayMeters;
import dev.dotgate.runtime.AnchorRefreshing;
import dev.dotgate.runtime.ListRefreshing;
import dev.dotgate.runtime.Readiness;
import dev.dotgate.runtime.UpstreamProbing;
import dev.dotgate.runtime.Reload;
import dev.dotgate.runtime.Services;
import dev.dotgate.runtime.Snapshot;
import dev.dotgate.tls.ClientTls;
import dev.dotgate.tls.ServerIdentity;
import dev.dotgate.tls.TlsProvider;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamFactories;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
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
    /** The listeners, their certificate and the metrics endpoint; null until started. */
    private Front front;
    /** Probes of down and idle upstreams; null until started. */
    private UpstreamProbing probing;
    private AnchorRefreshing anchorRefreshing;

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
        start(() -> { });
    }

    /**
     * Starts, running {@code beforeServing} once every listener is bound and before any reads (the switch from
     * root to the configured user); an exception from it stops the start like a bind failure.
     */
    public void start(Runnable beforeServing) throws BindFailure, IOException, GeneralSecurityException {
        GatewayConfig cfg = started;
        try {
            services = Services.of(group, stats, metrics, UpstreamFactories.standard(group,
                    ClientTls.context(cfg.upstream().ca()), httpsContext(cfg), quicContexts(cfg),
                    stats.upstreamTotals), cacheTicker, current::get);
            current.set(Snapshot.build(cfg, null, services));
            GatewayMeters.bind(services, current::get);
            probing = UpstreamProbing.start(current::get, group);
            anchorRefreshing = AnchorRefreshing.start(current::get, services.rootAnchors(), group);
            front = Front.start(cfg, group, threads, services, current::get, new Readiness(current::get, group),
                    beforeServing);
            synchronized (this) {
                current.set(current.get().withDiscovery(cfg.serverName(), front.addresses(Transport.DOT),
                        front.addresses(Transport.DOH), front.addresses(Transport.DOQ)));
                lists.restart(cfg);
            }
        } catch (BindFailure | IOException | GeneralSecurityException | RuntimeException e) {
            close();
            throw e;
        }
        log.info("dotgate listening on {}; upstreams {}; {} transport, TLS by {}", front.describe(),
                current.get().routes().defaultGroup().all().stream().map(Upstream::name).toList(), Transports.name(),
                TlsProvider.describe());
    }

    /** The DoH client context, made with the first https:// upstream (none: no start-up cost). */
    private static java.util.function.Supplier<io.netty.handler.ssl.SslContext> httpsContext(GatewayConfig cfg) {
        return () -> {
            try {
                return ClientTls.https(cfg.upstream().ca());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot read the trust store for DoH upstreams: " + e.getMessage(), e);
            }
        };
    }

    /** A new DoQ client context for each quic:// upstream, trusting what DoT upstreams are checked against. */
    private static java.util.function.Supplier<io.netty.handler.codec.quic.QuicSslContext> quicContexts(
            GatewayConfig cfg) {
        return () -> {
            try {
                return ClientTls.quic(cfg.upstream().ca());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot read the trust store for DoQ upstreams: " + e.getMessage(), e);
            }
        };
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
        reloadCertificates();
        Reload.apply(started, next, current, services);
        lists.restart(next);
    }

    /**
     * Reads the user-supplied certificate files again (nothing to do for the generated certificate): part of
     * {@link #reload}, and on its own when SIGHUP finds the config file broken. A bad pair is logged and the running
     * one kept.
     */
    public void reloadCertificates() {
        if (front != null) {
            front.reloadCertificates();
        }
    }

    /** Stops accepting, waits up to {@code grace} for queries in flight, then closes everything. */
    public void stop(Duration grace) {
        if (front != null) {
            front.drain(grace, stats);
        }
        close();
        log.info("dotgate stopped: {}", totals());
    }

    @Override
    public void close() {
        lists.close();
        if (probing != null) {
            probing.close();
        }
        if (anchorRefreshing != null) {
            anchorRefreshing.close();
        }
        if (front != null) {
            front.close();
        }
        Snapshot now = current.get();
        if (now != null) {
            now.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** What is bound, as the start-up line says it: the listeners, then the metrics URL when metrics are on. */
    public String describeListeners() {
        return front.describe();
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

    /** What serves queries now: policy, routes, upstreams, the cache step and the event sink. */
    public Snapshot snapshot() {
        return current.get();
    }

    /** The certificate identity DoT and DoH listeners serve, or null when neither is configured. */
    public ServerIdentity identity() {
        return front == null ? null : front.identity();
    }

    /** The bound address of the first listener of {@code transport}. */
    public InetSocketAddress address(Transport transport) {
        return front.addresses(transport).get(0);
    }

    /** The bound metrics address, or null when metrics are off. */
    public InetSocketAddress metricsAddress() {
        return front == null ? null : front.metricsAddress();
    }
}
