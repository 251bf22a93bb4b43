package dev.dotgate.server;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.net.BindFailure;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.doh.DohProtocols;
import dev.dotgate.server.doh.DohSettings;
import dev.dotgate.tls.ClientHelloLimit;
import dev.dotgate.tls.TlsCounters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** DNS over HTTPS (RFC 8484): TLS, then HTTP/2 or HTTP/1.1 as ALPN chose ({@link DohProtocols}). */
final class DohListenerFactory implements ListenerFactory {
    private final StreamAdmission admission;
    private final ListenOptions options;
    private final LimitsOptions limits;
    private final TlsCounters tlsCounters;
    private final TlsFront tls;
    private final DohSettings doh;

    DohListenerFactory(StreamAdmission admission, ListenOptions options, LimitsOptions limits, TlsCounters tlsCounters,
            TlsFront tls, QueryIntake intake, ServerCounters counters) {
        this.admission = admission;
        this.options = options;
        this.limits = limits;
        this.tlsCounters = tlsCounters;
        this.tls = tls;
        this.doh = new DohSettings(intake, counters, options.maxInflightPerConnection(), limits.maxQuerySize(),
                options.writeTimeout().toMillis(), options.idleTimeout().toMillis(), limits.frameTimeout().toMillis());
    }

    @Override
    public Transport transport() {
        return Transport.DOH;
    }

    @Override
    public BoundListener bind(InetSocketAddress address) throws BindFailure {
        return admission.bind(address, Transport.DOH, this::pipeline);
    }

    private void pipeline(Channel ch) {
        tls.install(ch, new ClientHelloLimit(tlsCounters, limits.maxClientHello()));
        ChannelPipeline p = ch.pipeline();
        p.addLast(new FlushConsolidationHandler(256, true));
        p.addLast(new IdleStateHandler(0, 0, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(new DohProtocols(doh)); // HTTP/2 or HTTP/1.1 once ALPN has chosen
    }
}
