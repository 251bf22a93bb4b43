package dev.dotgate.runtime;

import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.HostPort;
import dev.dotgate.net.BindFailure;
import dev.dotgate.observe.ConnectionMeter;
import dev.dotgate.observe.Stats;
import dev.dotgate.observe.events.EventsObserver;
import dev.dotgate.observe.metrics.MetricsObserver;
import dev.dotgate.observe.metrics.MetricsServer;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.Listeners;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.tls.ServerIdentity;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * What faces clients and lives as long as the gateway: the listeners with the intake and observers they hand
 * queries to (reading the snapshot serving at that moment), the DoT and DoH certificate, and the metrics endpoint.
 * Its addresses and certificate settings take a restart to change.
 */
public final class Front implements AutoCloseable {
    private final ListenerIdentity identity;
    private final MetricsServer metricsServer;
    private final Listeners listeners;

    private Front(ListenerIdentity identity, MetricsServer metricsServer, Listeners listeners) {
        this.identity = identity;
        this.metricsServer = metricsServer;
        this.listeners = listeners;
    }

    /**
     * Binds everything {@code config} asks for, runs {@code beforeServing} (the switch to another user) while the
     * listeners are bound but not yet reading, then serves, telling {@code readiness}; on a failure (also one
     * {@code beforeServing} throws) closes what it had made and throws.
     */
    public static Front start(GatewayConfig config, EventLoopGroup group, int threads, Services services,
            Supplier<Snapshot> current, Readiness readiness, Runnable beforeServing)
            throws BindFailure, IOException, GeneralSecurityException {
        ListenerIdentity identity = null;
        MetricsServer metricsServer = null;
        Listeners listeners = null;
        try {
            if (!config.listen().dot().isEmpty() || !config.listen().doh().isEmpty()
                    || !config.listen().doq().isEmpty()) {
                identity = ListenerIdentity.start(config, group);
            }
            if (config.observe().metricsListen() != null) {
                metricsServer = MetricsServer.start(config.observe().metricsListen(), services.metrics(), readiness);
            }
            ListenerIdentity id = identity;
            Stats stats = services.stats();
            listeners = new Listeners(config.listen(), config.limits(), group, threads, intake(services, current),
                    stats.server, stats.tls, stats.rateLimited, () -> id.dot(), () -> id.doh(), () -> id.doq(),
                    new ConnectionMeter(services.metrics()));
            listeners.bind();
            beforeServing.run();
            listeners.serve();
            readiness.listening();
            return new Front(identity, metricsServer, listeners);
        } catch (BindFailure | IOException | GeneralSecurityException | RuntimeException e) {
            new Front(identity, metricsServer, listeners).close();
            throw e;
        }
    }

    /** The intake every listener hands its queries to, with the metrics and events observers. */
    private static QueryIntake intake(Services services, Supplier<Snapshot> current) {
        QueryLifecycleObserver observer = QueryLifecycleObserver.of(new MetricsObserver(services.metrics()),
                new EventsObserver(() -> current.get().events()));
        Stats stats = services.stats();
        return new QueryIntake(() -> current.get().chain(), stats.server, stats.queryCounters, observer,
                () -> current.get().policy());
    }

    /** Reads the user's certificate files again; a bad pair is logged and the running one kept. */
    public void reloadCertificates() {
        if (identity != null) {
            identity.reloadNow();
        }
    }

    /** Stops accepting, then waits up to {@code grace} for the queries in flight. */
    public void drain(Duration grace, Stats stats) {
        listeners.stopAccepting();
        listeners.drain(grace, stats::inflight);
    }

    /** The bound local addresses of the listeners of {@code transport}, in the order of the configuration. */
    public List<InetSocketAddress> addresses(Transport transport) {
        return listeners.streamAddresses(transport);
    }

    /** The certificate DoT and DoH serve, or null when neither is configured. */
    public ServerIdentity identity() {
        return identity == null ? null : identity.holder().current();
    }

    /** The bound metrics address, or null when metrics are off. */
    public InetSocketAddress metricsAddress() {
        return metricsServer == null ? null : metricsServer.address();
    }

    /** What was bound, for the start-up line: listeners, then the metrics URL when metrics are on. */
    public String describe() {
        return listeners.bound() + (metricsServer == null ? ""
                : ", metrics on http://" + HostPort.format(metricsServer.address()) + "/metrics");
    }

    @Override
    public void close() {
        if (identity != null) {
            identity.close();
        }
        if (listeners != null) {
            listeners.closeAll();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
    }
}
