package dev.dotgate.server;

import dev.dotgate.config.ListenOptions;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.function.Supplier;

/**
 * The TLS part of a DoT or DoH pipeline, the same for both: a ClientHello guard, the {@link SslHandler} from the
 * current context with the handshake timeout, {@link FinishedAck} that acknowledges the client's Finished at once,
 * and the {@link HandshakeWatcher} that reports the outcome.
 */
final class TlsFront {
    private final Transport transport;
    private final Supplier<SslContext> context;
    private final long handshakeTimeoutMillis;
    private final ConnectionObserver connectionObserver;
    private final QueryLifecycleObserver drops;

    /** {@code context} is asked for each new connection, so a renewed certificate takes effect at once. */
    TlsFront(Transport transport, Supplier<SslContext> context, ListenOptions options,
            ConnectionObserver connectionObserver, QueryLifecycleObserver drops) {
        this.transport = transport;
        this.context = context;
        this.handshakeTimeoutMillis = options.handshakeTimeout().toMillis();
        this.connectionObserver = connectionObserver;
        this.drops = drops;
    }

    /** Adds {@code helloGuard}, the TLS handler and the handshake watcher at the end of {@code ch}'s pipeline. */
    void install(Channel ch, ChannelHandler helloGuard) {
        SslHandler ssl = context.get().newHandler(ch.alloc());
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        ChannelPipeline p = ch.pipeline();
        p.addLast(helloGuard);
        p.addLast(ssl);
        p.addLast(new FinishedAck());
        p.addLast(new HandshakeWatcher(connectionObserver, drops, transport));
    }
}
