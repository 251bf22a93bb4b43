package dev.dotgate.upstream;

import dev.dotgate.upstream.bootstrap.HappyEyeballs;
import dev.dotgate.wire.Padding;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;

/**
 * A DNS-over-QUIC upstream (RFC 9250): one QUIC connection ({@link QuicConnection}), reused by every query with one
 * bidirectional stream per query, reopened when it closes (backing off after failures, as every pooled kind).
 * The TLS context is this upstream's own, so its session cache resumes the next connection to the same server.
 * Attempts race over the upstream's addresses; the handshake checks the name and the key pins. Queries are
 * padded to 128 bytes (EDNS padding, RFC 9250 section 5.4) without keepalive, which DoQ forbids.
 */
public final class QuicUpstream extends PooledUpstream<QuicConnection> {
    private final QuicConnection.Settings settings;
    private final KeyPins pins;

    /** {@code tls}: this upstream's client context (ALPN doq, its trust and name check). */
    public QuicUpstream(UpstreamSetup setup, QuicSslContext tls, EventLoopGroup group, UpstreamTotals totals,
            UpstreamCounters counters) {
        super(setup, group, totals, counters, 1);
        this.settings = new QuicConnection.Settings(tls, spec.authName(), spec.port(),
                new Padding.UpstreamCopy(Padding.Hop.ENCRYPTED_MESSAGE, 0, spec.forwardEcs()), setup.maxInflight(),
                setup.timeout().toNanos(), setup.idleTimeout().toNanos(), (int) setup.connectTimeout().toMillis());
        this.pins = new KeyPins(spec.pins());
    }

    @Override
    QuicConnection newConnection(EventLoop loop) {
        return new QuicConnection(this, loop, totals, settings);
    }

    @Override
    void open(QuicConnection connection) {
        HappyEyeballs.race(connection.loop(), addresses.current(), connection::attempt,
                q -> q.close().addListener(f -> q.parent().close())) // a late winner, and its UDP socket
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        connectFailed(f.cause());
                        connection.closeAndReport(f.cause());
                        return;
                    }
                    QuicChannel quic = (QuicChannel) f.getNow();
                    String pinned = pins.mismatch(quic.sslEngine().getSession());
                    if (pinned != null) {
                        connectionError(new PinMismatchException(pinned));
                        quic.close().addListener(x -> quic.parent().close());
                        connection.closeAndReport(new PinMismatchException(pinned));
                        return;
                    }
                    connected();
                    connection.attach(quic);
                });
    }
}
