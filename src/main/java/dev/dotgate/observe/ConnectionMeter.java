package dev.dotgate.observe;

import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.ConnectionObserver;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts open TCP, DoT, DoH and DoQ client connections and DoT and DoH handshakes into the metrics. */
public final class ConnectionMeter implements ConnectionObserver {
    private final Metrics metrics;
    private final AtomicInteger tcp = new AtomicInteger();
    private final AtomicInteger dot = new AtomicInteger();
    private final AtomicInteger doh = new AtomicInteger();
    private final AtomicInteger doq = new AtomicInteger();

    public ConnectionMeter(Metrics metrics) {
        this.metrics = metrics;
        metrics.tcpConnectionsOpen(tcp::get);
        metrics.dotConnectionsOpen(dot::get);
        metrics.dohConnectionsOpen(doh::get);
        metrics.doqConnectionsOpen(doq::get);
    }

    @Override
    public void opened(Transport transport) {
        counter(transport).incrementAndGet();
    }

    @Override
    public void closed(Transport transport) {
        counter(transport).decrementAndGet();
    }

    private AtomicInteger counter(Transport transport) {
        return switch (transport) {
            case DOT -> dot;
            case DOH -> doh;
            case DOQ -> doq;
            default -> tcp;
        };
    }

    @Override
    public void resumed(Transport transport) {
        metrics.resumed(transport);
    }

    @Override
    public void handshake(Transport transport, boolean ok, String cause) {
        if (ok) {
            metrics.handshake(transport);
        } else {
            metrics.handshakeFailure(transport, cause);
        }
    }
}
