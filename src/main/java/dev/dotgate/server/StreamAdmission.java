package dev.dotgate.server;

import dev.dotgate.config.ListenOptions;
import dev.dotgate.limits.ClientLimits;
import dev.dotgate.limits.ClientState;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.proxy.ClientAddress;
import dev.dotgate.server.proxy.ProxyProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What every stream listener (TCP, DoT, DoH) does with a new connection before its own pipeline: the PROXY
 * protocol header first when the peer is a trusted load balancer, then the checks at accept ({@link #admits}),
 * then one of the {@code listen.max_connections} slots shared by all stream listeners. The connections let in are
 * kept for shutdown ({@link #closeAll}). One per gateway, shared by the stream {@link ListenerFactory}s.
 */
public final class StreamAdmission {
    private final ListenOptions options;
    private final EventLoopGroup group;
    private final QueryIntake intake;
    private final ServerCounters counters;
    private final ConnectionObserver connectionObserver;
    private final ProxyProtocol proxy;
    private final ClientLimits clientLimits;
    private final AtomicInteger connections = new AtomicInteger();
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    StreamAdmission(ListenOptions options, EventLoopGroup group, QueryIntake intake, ServerCounters counters,
            ConnectionObserver connectionObserver, ProxyProtocol proxy, ClientLimits clientLimits) {
        this.options = options;
        this.group = group;
        this.intake = intake;
        this.counters = counters;
        this.connectionObserver = connectionObserver;
        this.proxy = proxy;
        this.clientLimits = clientLimits;
    }

    /**
     * A listening socket for {@code transport} at {@code address}; each connection admitted gets
     * {@code pipeline} (the transport's TLS, framing and query handlers) added once the PROXY header, if any, is read.
     */
    ListenerFactory.BoundListener bind(InetSocketAddress address, Transport transport, Consumer<Channel> pipeline)
            throws BindFailure {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accept(ch, transport, pipeline);
                    }
                });
        Channel ch = Listeners.bind(() -> b.bind(address), transport.name().toLowerCase(Locale.ROOT), address);
        InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
        return new ListenerFactory.BoundListener() {
            @Override
            public Transport transport() {
                return transport;
            }

            @Override
            public InetSocketAddress address() {
                return bound;
            }

            @Override
            public void serve() {
                ch.config().setAutoRead(true);
            }

            @Override
            public void stopAccepting() {
                ch.close().awaitUninterruptibly();
            }

            @Override
            public void close() {
                ch.close().awaitUninterruptibly();
            }
        };
    }

    private void accept(Channel ch, Transport transport, Consumer<Channel> pipeline) {
        // Behind a trusted load balancer the client is known, and checked, only once its PROXY header is read.
        boolean proxied = proxy.trusts((InetSocketAddress) ch.remoteAddress());
        if (!proxied && !admits(ch, transport)) {
            return;
        }
        if (connections.incrementAndGet() > options.maxConnections()) {
            connections.decrementAndGet();
            counters.connectionsRefusedOverLimit.increment();
            ch.close();
            return;
        }
        connectionObserver.opened(transport);
        ch.closeFuture().addListener(f -> {
            connections.decrementAndGet();
            connectionObserver.closed(transport);
        });
        clients.add(ch);
        proxy.install(ch.pipeline(), transport, c -> {
            if (!proxied || admits(c, transport)) {
                pipeline.accept(c);
            }
        });
    }

    /**
     * The checks at accept, before the connection takes a slot: the listener's access list (TCP:
     * {@code acl.plain}, DoT and DoH: {@code acl.dot}; closed before any TLS is spent on it), then the client's
     * connections and the buffered-bytes budget ({@link ClientLimits#openConnection}). A client let in gets its
     * {@link StreamThrottle} on the channel and gives its connection back when the channel closes. Refused
     * connections are closed here, counted and reported.
     */
    private boolean admits(Channel ch, Transport transport) {
        InetSocketAddress client = ClientAddress.of(ch);
        if (!intake.admitsConnection(transport, client)) {
            ch.close();
            return false;
        }
        ClientState state = clientLimits.openConnection(client, transport);
        if (state == ClientState.REFUSED) {
            ch.close();
            return false;
        }
        if (state != null) {
            StreamThrottle.attach(ch, clientLimits, state, transport);
            ch.closeFuture().addListener(f -> clientLimits.closeConnection(state));
        }
        return true;
    }

    /**
     * A DoQ connection, its QUIC handshake done: the same checks as at a TCP accept ({@link #admits}: the access
     * list, the client's connections and the budget) and one of the shared slots; false when refused (the caller
     * closes it with its DoQ error code). {@code client} is the connection's UDP peer.
     */
    boolean admitQuic(Channel ch, Transport transport, InetSocketAddress client) {
        if (!intake.admitsConnection(transport, client)) {
            return false;
        }
        ClientState state = clientLimits.openConnection(client, transport);
        if (state == ClientState.REFUSED) {
            return false;
        }
        if (connections.incrementAndGet() > options.maxConnections()) {
            connections.decrementAndGet();
            counters.connectionsRefusedOverLimit.increment();
            if (state != null) {
                clientLimits.closeConnection(state);
            }
            return false;
        }
        if (state != null) {
            StreamThrottle.attach(ch, clientLimits, state, transport);
            ch.closeFuture().addListener(f -> clientLimits.closeConnection(state));
        }
        connectionObserver.opened(transport);
        ch.closeFuture().addListener(f -> {
            connections.decrementAndGet();
            connectionObserver.closed(transport);
        });
        clients.add(ch);
        return true;
    }

    /** Closes every client connection let in. */
    void closeAll() {
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
