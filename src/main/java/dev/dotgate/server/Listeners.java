package dev.dotgate.server;

import dev.dotgate.config.HostPort;
import dev.dotgate.config.LimitsOptions;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.limits.ClientLimits;
import dev.dotgate.limits.LimitCounters;
import dev.dotgate.net.BindFailure;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.proxy.ProxyProtocol;
import dev.dotgate.tls.TlsCounters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's listeners: one {@link ListenerFactory} per transport, bound at the configured addresses
 * ({@code listen.plain}: UDP and TCP on one port; {@code listen.dot}; {@code listen.doh}), all feeding the same
 * {@link QueryIntake}. What the transports share is made here once: the PROXY protocol front, the client limits
 * and the buffered-bytes budget, and {@link StreamAdmission} for the stream listeners' connection checks and slots.
 * Keeps what was bound for the addresses and for shutdown.
 */
public final class Listeners {
    /** Attempts at a port free for both UDP and TCP when port 0 (any) was asked for a plain listener. */
    static final int ANY_PORT_ATTEMPTS = 50;

    private final ListenOptions options;
    private final EventLoopGroup group;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final ProxyProtocol proxy;
    private final ClientLimits clientLimits;
    private final StreamAdmission admission;
    private final ListenerFactory udp;
    private final ListenerFactory tcp;
    private final ListenerFactory dot;
    private final ListenerFactory doh;
    private final ListenerFactory doq;
    private final List<ListenerFactory.BoundListener> bound = new CopyOnWriteArrayList<>();

    /**
     * {@code dotContext}, {@code dohContext} and {@code doqContext} are asked for each new DoT, DoH or DoQ connection, so a renewed
     * certificate takes effect at once. What the listeners refuse is counted in {@code counters}, what the TLS front
     * refuses in {@code tlsCounters}, what the client limits hold back in {@code limitCounters}.
     */
    public Listeners(ListenOptions options, LimitsOptions limits, EventLoopGroup group, int threads,
            QueryIntake intake, ServerCounters counters, TlsCounters tlsCounters, LimitCounters limitCounters,
            Supplier<SslContext> dotContext, Supplier<SslContext> dohContext, Supplier<QuicSslContext> doqContext,
            ConnectionObserver connectionObserver) {
        this.options = options;
        this.group = group;
        this.proxy = new ProxyProtocol(options.proxyTrusted(), options.handshakeTimeout(), counters,
                intake.observer());
        this.clientLimits = new ClientLimits(limits, limitCounters, limitCounters.tableOverflow,
                limitCounters.rrlSlipped, intake.observer());
        this.admission = new StreamAdmission(options, group, intake, counters, connectionObserver, proxy,
                clientLimits);
        TcpListenerFactory tcpFactory = new TcpListenerFactory(admission, options, limits, intake, counters);
        this.udp = new UdpListenerFactory(group, threads, options, intake, counters, proxy, clientLimits, stopped);
        this.tcp = tcpFactory;
        this.dot = new DotListenerFactory(admission, tcpFactory, limits, tlsCounters,
                new TlsFront(Transport.DOT, dotContext, options, connectionObserver, intake.observer()));
        this.doh = new DohListenerFactory(admission, options, limits, tlsCounters,
                new TlsFront(Transport.DOH, dohContext, options, connectionObserver, intake.observer()), intake, counters);
        this.doq = new DoqListenerFactory(admission, options, limits, intake, group, doqContext,
                connectionObserver);
    }

    /** The per-client limits and the buffered-bytes budget every listener applies. */
    public ClientLimits clientLimits() {
        return clientLimits;
    }

    /** The PROXY protocol settings every stream listener installs first ({@link ProxyProtocol#install}). */
    public ProxyProtocol proxyProtocol() {
        return proxy;
    }

    /** Binds every listener and starts serving: {@link #bind} then {@link #serve}. */
    public void start() throws BindFailure {
        bind();
        serve();
    }

    /** Starts reading on every bound listener. */
    public void serve() {
        for (ListenerFactory.BoundListener l : bound) {
            l.serve();
        }
    }

    /** Binds every listener the options ask for, none of them reading until {@link #serve}. */
    public void bind() throws BindFailure {
        clientLimits.start(group.next());
        for (InetSocketAddress a : options.plain()) {
            bindPlain(a);
        }
        for (InetSocketAddress a : options.dot()) {
            bound.add(dot.bind(a));
        }
        for (InetSocketAddress a : options.doh()) {
            bound.add(doh.bind(a));
        }
        for (InetSocketAddress a : options.doq()) {
            bound.add(doq.bind(a));
        }
    }

    /** What was bound, e.g. {@code udp 127.0.0.1:53}, with the real port when 0 was asked for. */
    public List<String> bound() {
        List<String> out = new ArrayList<>();
        for (ListenerFactory.BoundListener l : bound) {
            out.add(l.transport().name().toLowerCase(Locale.ROOT) + " " + HostPort.format(l.address()));
        }
        return out;
    }

    /** The bound local addresses of the listeners of {@code transport}, in the order of the configuration. */
    public List<InetSocketAddress> streamAddresses(Transport transport) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (ListenerFactory.BoundListener l : bound) {
            if (l.transport() == transport) {
                out.add(l.address());
            }
        }
        return out;
    }

    /** The bound local address of the {@code index}th listener of {@code transport}. */
    public InetSocketAddress address(Transport transport, int index) {
        return streamAddresses(transport).get(index);
    }

    /**
     * UDP and TCP on the same port. With port 0 the kernel picks the UDP port, and that port can already be taken
     * for TCP (a listener or the local end of an outgoing connection); then both are let go and another port is
     * tried, so "any port" never fails for a reason the user cannot see.
     */
    private void bindPlain(InetSocketAddress address) throws BindFailure {
        for (int attempt = 1; ; attempt++) {
            ListenerFactory.BoundListener datagrams = udp.bind(address);
            try {
                ListenerFactory.BoundListener stream = tcp.bind(new InetSocketAddress(address.getAddress(),
                        datagrams.address().getPort()));
                bound.add(datagrams);
                bound.add(stream);
                return;
            } catch (BindFailure e) {
                datagrams.close();
                if (address.getPort() != 0 || attempt >= ANY_PORT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    interface BindAction {
        ChannelFuture bind();
    }

    /** Runs {@code action} and waits for it; a failure becomes a {@link BindFailure} naming the address. */
    static Channel bind(BindAction action, String proto, InetSocketAddress address) throws BindFailure {
        ChannelFuture f = action.bind().awaitUninterruptibly();
        if (f.isSuccess()) {
            return f.channel();
        }
        throw new BindFailure(describe(f.cause(), proto, address));
    }

    static String describe(Throwable cause, String proto, InetSocketAddress address) {
        return dev.dotgate.net.BindErrors.describe(cause, "cannot listen on " + proto + " " + HostPort.format(address),
                "--listen/--dot-listen/--doh-listen (or listen.plain / listen.dot / listen.doh in the config)");
    }

    /** Stops taking new queries: closes the TCP, DoT and DoH listening sockets and pauses UDP reading. */
    public void stopAccepting() {
        stopped.set(true);
        clientLimits.stop();
        for (ListenerFactory.BoundListener l : bound) {
            l.stopAccepting();
        }
    }

    /** Waits, after {@link #stopAccepting}, until {@code inflight} reads 0 or {@code grace} has passed. */
    public void drain(Duration grace, LongSupplier inflight) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (inflight.getAsLong() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Closes every client connection and UDP socket. */
    public void closeAll() {
        admission.closeAll();
        for (ListenerFactory.BoundListener l : bound) {
            if (l.transport() == Transport.UDP) {
                l.close();
            }
        }
    }
}
