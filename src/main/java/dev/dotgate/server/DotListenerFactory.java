package dev.dotgate.server;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.net.BindFailure;
import dev.dotgate.resolve.Transport;
import dev.dotgate.tls.AlpnGuard;
import dev.dotgate.tls.TlsCounters;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * DNS over TLS (RFC 7858): the TCP framing ({@link TcpListenerFactory#framing}) behind TLS, with the frame clock
 * watching TLS records from the first byte and {@link AlpnGuard} refusing a hello that asks for another protocol.
 */
final class DotListenerFactory implements ListenerFactory {
    private final StreamAdmission admission;
    private final TcpListenerFactory tcp;
    private final LimitsOptions limits;
    private final TlsCounters tlsCounters;
    private final TlsFront tls;

    DotListenerFactory(StreamAdmission admission, TcpListenerFactory tcp, LimitsOptions limits,
            TlsCounters tlsCounters, TlsFront tls) {
        this.admission = admission;
        this.tcp = tcp;
        this.limits = limits;
        this.tlsCounters = tlsCounters;
        this.tls = tls;
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
        ch.pipeline().addLast(clock.tlsRecords());
        tls.install(ch, new AlpnGuard(tlsCounters, limits.maxClientHello()));
        tcp.framing(ch, Transport.DOT, clock);
    }
}
