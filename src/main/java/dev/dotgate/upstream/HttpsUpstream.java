package dev.dotgate.upstream;

import dev.dotgate.wire.Padding;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * A DNS-over-HTTPS upstream (RFC 8484): a {@link PooledUpstream} of persistent HTTP/2 connections
 * ({@link HttpsConnection}), each carrying many queries at once, one stream per query; HTTP/1.1, one request at a
 * time, only when the server does not take h2 in ALPN. Queries are POSTed as {@code application/dns-message} with
 * message ID 0 (or sent as {@code GET ?dns=} with {@code method=GET}), padded as over DoT but without keepalive;
 * the TLS name is the host name (or {@code #NAME}), checked in the certificate and against the key pins.
 */
public final class HttpsUpstream extends PooledUpstream<HttpsConnection> {
    private final SslContext tls;
    private final int connectTimeoutMillis;
    private final HttpsConnection.Settings settings;
    private final KeyPins pins;

    /** {@code tls}: the client context offering ALPN h2 and http/1.1. */
    public HttpsUpstream(UpstreamSetup setup, SslContext tls, EventLoopGroup group, UpstreamTotals totals,
            UpstreamCounters counters) {
        super(setup, group, totals, counters, setup.poolSize());
        this.tls = tls;
        this.connectTimeoutMillis = (int) setup.connectTimeout().toMillis();
        int port = spec.port();
        String authority = spec.authName() + (port == 443 ? "" : ":" + port);
        this.settings = new HttpsConnection.Settings(authority, spec.path(), spec.get(),
                new Padding.UpstreamCopy(Padding.Hop.ENCRYPTED_MESSAGE, 0, spec.forwardEcs()),
                setup.maxInflight(), setup.timeout().toNanos(), setup.idleTimeout().toNanos());
        this.pins = new KeyPins(spec.pins());
    }

    @Override
    HttpsConnection newConnection(EventLoop loop) {
        return new HttpsConnection(this, loop, totals, settings);
    }

    /** A TCP connect raced over the addresses, then TLS with ALPN; the connection takes over on the winner. */
    @Override
    void open(HttpsConnection connection) {
        TcpDialer.dial(connection.loop(), addresses.current(), connectTimeoutMillis).addListener(f -> {
                    if (!f.isSuccess()) {
                        connectionError(f.cause());
                        connection.closeAndReport(f.cause());
                        return;
                    }
                    Channel ch = (Channel) f.getNow();
                    SslHandler ssl = tls.newHandler(ch.alloc(), spec.authName(), spec.port());
                    ssl.setHandshakeTimeoutMillis(connectTimeoutMillis);
                    ssl.handshakeFuture().addListener(h -> {
                        String pinned = h.isSuccess() ? pins.mismatch(ssl.engine().getSession()) : null;
                        if (pinned != null) {
                            connectionError(new PinMismatchException(pinned));
                            ch.close();
                        } else if (!h.isSuccess()) {
                            connectionError(h.cause());
                        }
                    });
                    connection.attach(ch, ssl);
                });
    }
}
