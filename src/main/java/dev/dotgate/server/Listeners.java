package dev.dotgate.server;

import dev.dotgate.config.HostPort;
import dev.dotgate.config.LimitsOptions;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.limits.ClientLimits;
import dev.dotgate.limits.ClientState;
import dev.dotgate.limits.LimitCounters;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.doh.DohProtocols;
import dev.dotgate.server.doh.DohSettings;
import dev.dotgate.server.proxy.ClientAddress;
import dev.dotgate.server.proxy.ProxyProtocol;
import dev.dotgate.tls.AlpnGuard;
import dev.dotgate.tls.ClientHelloLimit;
import dev.dotgate.tls.TlsCounters;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Binds the UDP, TCP, DoT and DoH listeners and keeps track of their channels for shutdown. All feed the same
 * {@link QueryIntake}; they differ only in framing (a 2-byte length prefix on streams, HTTP for DoH) and TLS in
 * front. A PROXY protocol header from a trusted load balancer comes first on every one of them.
 */
public final class Listeners {
    private final ListenOptions options;
    private final LimitsOptions limits;
    private final EventLoopGroup group;
    private final int threads;
    private final QueryIntake intake;
    private final ServerCounters counters;
    private final TlsCounters tlsCounters;
    private final Supplier<SslContext> dotContext;
    private final Supplier<SslContext> dohContext;
    private final DohSettings doh;
    private final ConnectionObserver connectionObserver;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger udpInflight = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    private final List<Channel> udpChannels = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Channel> serverChannels = new ArrayList<>();
    private final ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<String> bound = new ArrayList<>();
    private final ProxyProtocol proxy;
    private final ClientLimits clientLimits;

    /**
     * {@code dotContext} and {@code dohContext} are asked for each new DoT or DoH connection, so a renewed
     * certificate takes effect at once. What the listeners refuse is counted in {@code counters}, what the TLS front
     * refuses in {@code tlsCounters}, what the client limits hold back in {@code limitCounters}.
     */
    public Listeners(ListenOptions options, LimitsOptions limits, EventLoopGroup group, int threads,
            QueryIntake intake, ServerCounters counters, TlsCounters tlsCounters, LimitCounters limitCounters,
            Supplier<SslContext> dotContext, Supplier<SslContext> dohContext,
            ConnectionObserver connectionObserver) {
        this.connectionObserver = connectionObserver;
        this.options = options;
        this.limits = limits;
        this.group = group;
        this.threads = threads;
        this.intake = intake;
        this.counters = counters;
        this.tlsCounters = tlsCounters;
        this.dotContext = dotContext;
        this.dohContext = dohContext;
        this.doh = new DohSettings(intake, counters, options.maxInflightPerConnection(), limits.maxQuerySize(),
                options.writeTimeout().toMillis(), options.idleTimeout().toMillis(), limits.frameTimeout().toMillis());
        this.proxy = new ProxyProtocol(options.proxyTrusted(), options.handshakeTimeout(), counters,
                intake.observer());
        this.clientLimits = new ClientLimits(limits, limitCounters, limitCounters.tableOverflow,
                limitCounters.rrlSlipped,
                intake.observer());
    }

    /** The per-client limits and the buffered-bytes budget every listener applies. */
    public ClientLimits clientLimits() {
        return clientLimits;
    }

    /** The PROXY protocol settings every stream listener installs first ({@link ProxyProtocol#install}). */
    public ProxyProtocol proxyProtocol() {
        return proxy;
    }

    public void start() throws BindFailure {
        clientLimits.start(group.next());
        for (InetSocketAddress a : options.plain()) {
            bindPlain(a);
        }
        for (InetSocketAddress a : options.dot()) {
            bindStream(a, Transport.DOT);
        }
        for (InetSocketAddress a : options.doh()) {
            bindStream(a, Transport.DOH);
        }
    }

    /** What was bound, e.g. {@code udp 127.0.0.1:53}, with the real port when 0 was asked for. */
    public List<String> bound() {
        return List.copyOf(bound);
    }

    /** The bound local addresses of the stream listeners of {@code transport} (TCP, DOT or DOH). */
    public List<InetSocketAddress> streamAddresses(Transport transport) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Channel c : serverChannels) {
            if (c.attr(TRANSPORT).get() == transport) {
                out.add((InetSocketAddress) c.localAddress());
            }
        }
        return out;
    }

    /** The bound local address of each plain (UDP) listener, then each DoT listener. */
    public InetSocketAddress address(Transport transport, int index) {
        List<InetSocketAddress> out = new ArrayList<>();
        if (transport == Transport.UDP) {
            for (int i = 0; i < udpChannels.size(); i += udpPerAddress()) {
                out.add((InetSocketAddress) udpChannels.get(i).localAddress());
            }
        } else {
            for (Channel c : serverChannels) {
                if (c.attr(TRANSPORT).get() == transport) {
                    out.add((InetSocketAddress) c.localAddress());
                }
            }
        }
        return out.get(index);
    }

    private static final io.netty.util.AttributeKey<Transport> TRANSPORT =
            io.netty.util.AttributeKey.valueOf("dotgate.transport");

    private int udpPerAddress() {
        return Transports.epoll() ? threads : 1;
    }

    /** Attempts at a port free for both UDP and TCP when port 0 (any) was asked for a plain listener. */
    static final int ANY_PORT_ATTEMPTS = 50;

    /**
     * UDP and TCP on the same port. With port 0 the kernel picks the UDP port, and that port can already be taken
     * for TCP (a listener or the local end of an outgoing connection); then both are let go and another port is
     * tried, so "any port" never fails for a reason the user cannot see.
     */
    private void bindPlain(InetSocketAddress address) throws BindFailure {
        for (int attempt = 1; ; attempt++) {
            int udpBefore = udpChannels.size();
            int boundBefore = bound.size();
            InetSocketAddress udp = bindUdp(address);
            try {
                bindStream(new InetSocketAddress(address.getAddress(), udp.getPort()), Transport.TCP);
                return;
            } catch (BindFailure e) {
                if (address.getPort() != 0 || attempt >= ANY_PORT_ATTEMPTS) {
                    throw e;
                }
                while (udpChannels.size() > udpBefore) {
                    udpChannels.remove(udpChannels.size() - 1).close().awaitUninterruptibly();
                }
                while (bound.size() > boundBefore) {
                    bound.remove(bound.size() - 1);
                }
            }
        }
    }

    private InetSocketAddress bindUdp(InetSocketAddress address) throws BindFailure {
        InetSocketAddress actual = address;
        // With epoll, one socket per event loop on the same port (SO_REUSEPORT) spreads UDP over all cores.
        for (int i = 0; i < udpPerAddress(); i++) {
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(Transports.datagramChannel())
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(4096))
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .option(ChannelOption.SO_SNDBUF, 4 << 20)
                    .handler(new UdpHandler(intake, counters, udpInflight, options.maxUdpInflight(), stopped,
                            udpChannels, proxy, clientLimits));
            if (Transports.epoll()) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
                // recvmmsg: up to 16 datagrams per system call (measured: about 15% less CPU per query at load).
                b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, UdpHandler.MAX_QUERY);
                b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpHandler.MAX_QUERY * 16));
            }
            InetSocketAddress target = i == 0 ? address : actual;
            Channel ch = bind(() -> b.bind(target), "udp", address);
            actual = (InetSocketAddress) ch.localAddress();
            udpChannels.add(ch);
        }
        bound.add("udp " + HostPort.format(actual));
        return actual;
    }

    private void bindStream(InetSocketAddress address, Transport transport) throws BindFailure {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initClient(ch, transport);
                    }
                });
        String name = transport.name().toLowerCase(Locale.ROOT);
        Channel ch = bind(() -> b.bind(address), name, address);
        ch.attr(TRANSPORT).set(transport);
        serverChannels.add(ch);
        bound.add(name + " " + HostPort.format((InetSocketAddress) ch.localAddress()));
    }

    private void initClient(Channel ch, Transport transport) {
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
                addStreamHandlers(c, transport);
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

    private void addStreamHandlers(Channel ch, Transport transport) {
        ChannelPipeline p = ch.pipeline();
        if (transport == Transport.DOH) {
            SslHandler ssl = dohContext.get().newHandler(ch.alloc());
            ssl.setHandshakeTimeoutMillis(options.handshakeTimeout().toMillis());
            p.addLast(new ClientHelloLimit(tlsCounters, limits.maxClientHello()));
            p.addLast(ssl);
            p.addLast(new HandshakeWatcher(connectionObserver, intake.observer(), Transport.DOH));
            p.addLast(new FlushConsolidationHandler(256, true));
            p.addLast(new IdleStateHandler(0, 0, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
            p.addLast(new DohProtocols(doh)); // HTTP/2 or HTTP/1.1 once ALPN has chosen
            return;
        }
        FrameClock clock = new FrameClock(transport, limits.frameTimeout().toMillis(),
                options.idleTimeout().toMillis(), counters, intake.observer());
        if (transport == Transport.DOT) {
            SslHandler ssl = dotContext.get().newHandler(ch.alloc());
            ssl.setHandshakeTimeoutMillis(options.handshakeTimeout().toMillis());
            p.addLast(clock.tlsRecords());
            p.addLast(new AlpnGuard(tlsCounters, limits.maxClientHello()));
            p.addLast(ssl);
            p.addLast(new HandshakeWatcher(connectionObserver, intake.observer(), Transport.DOT));
        }
        p.addLast(new FlushConsolidationHandler(256, true));
        p.addLast(clock); // idle and frame deadlines, in place of an IdleStateHandler (which any byte resets)
        // A length over max_query_size fails at once (failFast): the connection is closed, see StreamQueryHandler.
        p.addLast(new LengthFieldBasedFrameDecoder(2 + limits.maxQuerySize(), 0, 2, 0, 2));
        p.addLast(new StreamQueryHandler(intake, counters, transport, options.maxInflightPerConnection(),
                options.writeTimeout().toMillis(), options.idleTimeout().toMillis()));
    }

    private interface BindAction {
        io.netty.channel.ChannelFuture bind();
    }

    private static Channel bind(BindAction action, String proto, InetSocketAddress address) throws BindFailure {
        io.netty.channel.ChannelFuture f = action.bind().awaitUninterruptibly();
        if (f.isSuccess()) {
            return f.channel();
        }
        throw new BindFailure(describe(f.cause(), proto, address));
    }

    static String describe(Throwable cause, String proto, InetSocketAddress address) {
        return dev.dotgate.net.BindErrors.describe(cause, "cannot listen on " + proto + " " + HostPort.format(address),
                "--listen/--dot-listen/--doh-listen (or listen.plain / listen.dot / listen.doh in the config)");
    }

    /** Stops taking new queries: closes TCP/DoT listening sockets and pauses UDP reading. */
    public void stopAccepting() {
        stopped.set(true);
        clientLimits.stop();
        for (Channel c : serverChannels) {
            c.close().awaitUninterruptibly();
        }
        for (Channel c : udpChannels) {
            c.config().setAutoRead(false);
        }
    }

    /** Closes every client connection and UDP socket. */
    public void closeAll() {
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (Channel c : udpChannels) {
            c.close().awaitUninterruptibly();
        }
    }
}
