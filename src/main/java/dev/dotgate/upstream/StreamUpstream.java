package dev.dotgate.upstream;

import dev.dotgate.wire.Padding;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;

/**
 * A TLS (DoT) or TCP upstream: a {@link PooledUpstream} of persistent pipelined connections
 * ({@link PipelinedConnection}, RFC 7766), each opened by a TCP connect raced over the upstream's addresses and, for
 * tls://, a TLS handshake checked against the upstream's name and its key pins.
 */
public final class StreamUpstream extends PooledUpstream<PipelinedConnection> {
    private final SslContext tls; // null for tcp://
    private final int maxInflight;
    private final long timeoutNanos;
    private final long idleNanos;
    private final int connectTimeoutMillis;
    /** How queries are written on this upstream's connections (padding over TLS, client subnet or not). */
    private final Padding.UpstreamCopy copy;
    private final Channels channels;
    private final KeyPins pins;

    /**
     * {@code tls}: the client TLS context (null for tcp://); {@code counters}: where this upstream counts its
     * queries, errors and connects (for its metrics).
     */
    public StreamUpstream(UpstreamSetup setup, SslContext tls, EventLoopGroup group, UpstreamTotals totals,
            UpstreamCounters counters) {
        this(setup, tls, group, totals, counters, null);
    }

    /** {@code channels}: how connections are opened (null: by {@link #bootstrap}). */
    StreamUpstream(UpstreamSetup setup, SslContext tls, EventLoopGroup group, UpstreamTotals totals,
            UpstreamCounters counters, Channels channels) {
        super(setup, group, totals, counters, setup.poolSize());
        this.channels = channels != null ? channels : (u, c) -> u.bootstrap(c);
        this.tls = tls;
        this.maxInflight = setup.maxInflight();
        this.timeoutNanos = setup.timeout().toNanos();
        this.idleNanos = setup.idleTimeout().toNanos();
        this.connectTimeoutMillis = (int) setup.connectTimeout().toMillis();
        this.copy = new Padding.UpstreamCopy(tls != null ? Padding.Hop.ENCRYPTED_STREAM : Padding.Hop.STREAM, 0,
                spec.forwardEcs());
        this.pins = new KeyPins(spec.pins());
    }

    @Override
    PipelinedConnection newConnection(EventLoop loop) {
        return new PipelinedConnection(this, loop, totals, timeoutNanos, idleNanos, copy, maxInflight);
    }

    @Override
    void open(PipelinedConnection connection) {
        channels.open(this, connection);
    }

    /**
     * Opens the channel of a new connection: on its loop, bound to it ({@link PipelinedConnection#attach}) before any
     * event, which calls {@link #connected} and {@link PipelinedConnection#ready} once up, or reports the failure.
     * Tests open connections on an {@code EmbeddedChannel} instead of a socket.
     */
    interface Channels {
        void open(StreamUpstream upstream, PipelinedConnection connection);
    }

    /**
     * The real one: a TCP connect raced over the upstream's addresses ({@link TcpDialer}), then
     * the pipeline on the winner and a TLS handshake for tls://.
     */
    private void bootstrap(PipelinedConnection connection) {
        TcpDialer.dial(connection.loop(), addresses.current(), connectTimeoutMillis).addListener(f -> {
            if (!f.isSuccess()) {
                connectionError(f.cause());
                connection.closeAndReport(f.cause());
            } else {
                open(connection, (Channel) f.getNow());
            }
        });
    }

    /** Builds the pipeline of the connected {@code ch}; on its loop. */
    private void open(PipelinedConnection connection, Channel ch) {
        connection.attach(ch);
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            SslHandler ssl = tls.newHandler(ch.alloc(), spec.authName(), spec.port());
            ssl.setHandshakeTimeoutMillis(connectTimeoutMillis);
            ssl.handshakeFuture().addListener(f -> {
                String pinned = f.isSuccess() ? pins.mismatch(ssl.engine().getSession()) : null;
                if (pinned != null) {
                    connectionError(new PinMismatchException(pinned));
                    ch.close();
                } else if (f.isSuccess()) {
                    connected();
                    connection.ready();
                } else {
                    // Handshake timeouts close without exceptionCaught: back off here too.
                    connectionError(f.cause());
                }
            });
            p.addLast(ssl);
        }
        p.addLast(new FlushConsolidationHandler(256, true));
        p.addLast(new LengthFieldBasedFrameDecoder(2 + 65535, 0, 2, 0, 2));
        p.addLast(connection);
        if (!ch.isActive()) {
            connection.closeAndReport(new IOException("upstream connection closed"));
        } else if (tls == null) {
            connected();
            connection.ready();
        }
    }

}
