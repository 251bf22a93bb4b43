package dev.dotgate;

import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.UpstreamOptions;
import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.ForwardingResolver;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.BindFailure;
import dev.dotgate.server.Listeners;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.tls.ClientTls;
import dev.dotgate.tls.ServerIdentity;
import dev.dotgate.tls.ServerTls;
import dev.dotgate.tls.TlsProvider;
import dev.dotgate.upstream.DatagramUpstream;
import dev.dotgate.upstream.StreamUpstream;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: listeners in front, the resolver chain, upstreams behind, on one set of event loops.
 * {@link #start} binds everything or fails with a message for the user; {@link #stop} drains and closes.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    private static final Duration RENEW_CHECK = Duration.ofHours(12);

    private final GatewayConfig config;
    private final Stats stats = new Stats();
    private final EventLoopGroup group;
    private final int threads;
    private UpstreamGroup upstreams;
    private Listeners listeners;
    private volatile SslContext dotContext;
    private volatile ServerIdentity identity;

    public Gateway(GatewayConfig config) {
        this.config = config;
        this.threads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
        this.group = Transports.newGroup(threads, "dotgate");
    }

    public Stats stats() {
        return stats;
    }

    public UpstreamGroup upstreams() {
        return upstreams;
    }

    /** The certificate identity the DoT listener serves, or null when no DoT listener is configured. */
    public ServerIdentity identity() {
        return identity;
    }

    public InetSocketAddress address(Transport transport) {
        return listeners.address(transport, 0);
    }

    public void start() throws BindFailure, IOException, GeneralSecurityException {
        try {
            SslContext upstreamTls = ClientTls.context(config.upstream().ca());
            List<Upstream> list = new ArrayList<>();
            for (UpstreamSpec spec : config.upstream().servers()) {
                list.add(upstream(spec, upstreamTls, config.upstream()));
            }
            upstreams = new UpstreamGroup(list);
            if (!config.listen().dot().isEmpty()) {
                loadIdentity();
                group.next().scheduleAtFixedRate(this::renewIfDue, RENEW_CHECK.toMinutes(), RENEW_CHECK.toMinutes(),
                        TimeUnit.MINUTES);
            }
            var resolver = new ForwardingResolver(upstreams, config.upstream().timeout(), stats);
            listeners = new Listeners(config.listen(), group, threads, new QueryIntake(resolver, stats), stats,
                    () -> dotContext);
            listeners.start();
        } catch (BindFailure | IOException | GeneralSecurityException | RuntimeException e) {
            close();
            throw e;
        }
        log.info("dotgate listening on {}; upstreams {}; {} transport, TLS by {}", listeners.bound(),
                upstreams.all().stream().map(Upstream::name).toList(), Transports.name(), TlsProvider.describe());
    }

    private Upstream upstream(UpstreamSpec spec, SslContext tls, UpstreamOptions options) {
        switch (spec.protocol()) {
            case TLS:
                return new StreamUpstream(spec, tls, group, options, stats);
            case TCP:
                return new StreamUpstream(spec, null, group, options, stats);
            default:
                UpstreamSpec tcp = new UpstreamSpec(UpstreamSpec.Protocol.TCP, spec.address(), null);
                return new DatagramUpstream(spec, group, options.timeout().toNanos(),
                        new StreamUpstream(tcp, null, group, options, stats), stats);
        }
    }

    private void loadIdentity() throws IOException, GeneralSecurityException {
        ServerIdentity id = config.listen().cert() != null
                ? ServerIdentity.load(config.listen().cert(), config.listen().key())
                : ServerIdentity.generated(config.dataDir(), config.serverName());
        dotContext = ServerTls.context(id);
        identity = id;
    }

    private void renewIfDue() {
        if (config.listen().cert() == null && identity.expiresWithin(ServerIdentity.RENEW_BEFORE)) {
            try {
                loadIdentity();
                log.info("renewed the DoT server certificate");
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
        log.info("dotgate stopped: {}", stats.summary());
    }

    @Override
    public void close() {
        if (listeners != null) {
            listeners.closeAll();
        }
        if (upstreams != null) {
            upstreams.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
