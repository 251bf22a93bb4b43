package dev.dotgate.server;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.net.BindFailure;
import dev.dotgate.resolve.Transport;
import dev.dotgate.tls.AlpnGuard;
import dev.dotgate.tls.TlsCounters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * DNS over TLS (RFC 7858): the TCP framing ({@link TcpListenerFactory#framing}) behind TLS, with the frame clock
 * watching TLS records from the first byte and {@link AlpnGuard} refusing a hello that asks for another protocol.
 */
final class DotListenerFactory implements ListenerFactory {
    private final StreamAdmission admission;
    private final TcpListenerFactory tcp;
    private final ListenOptions options;
    private final LimitsOptions limits;
    private final TlsCounters tlsCounters;
    private final Supplier<SslContext> context;
    private final ConnectionObserver connectionObserver;
    private final QueryIntake intake;

    /** {@code context} is asked for each new connection, so a renewed certificate takes effect at once. */
    DotListenerFactory(StreamAdmission admission, TcpListenerFactory tcp, ListenOptions options, LimitsOptions limits,
            TlsCounters tlsCounters, Supplier<SslContext> context, ConnectionObserver connectionObserver,
            QueryIntake intake) {
        this.admission = admission;
        this.tcp = tcp;
        this.options = options;
        this.limits = limits;
        this.tlsCounters = tlsCounters;
        this.context = context;
        this.connectionObserver = connectionObserver;
        this.intake = intake;
    }

    @Override
    public Transport transport() {
        return Transport.DOT;
    }

    @Override
    public BoundListener bind(InetSocketAddress address) throws BindFailure {
        return admission.bind(address, Transport.DOT, this::pipeline);
    }

    private void pipeline(Channel ch) {
        FrameClock clock = tcp.clock(Transport.DOT);
        SslHandler ssl = context.get().newHandler(ch.alloc());
        ssl.setHandshakeTimeoutMillis(options.handshakeTimeout().toMillis());
        ChannelPipeline p = ch.pipeline();
        p.addLast(clock.tlsRecords());
        p.addLast(new AlpnGuard(tlsCounters, limits.maxClientHello()));
        p.addLast(ssl);
        p.addLast(new HandshakeWatcher(connectionObserver, intake.observer(), Transport.DOT));
        tcp.framing(ch, Transport.DOT, clock);
    }
}
