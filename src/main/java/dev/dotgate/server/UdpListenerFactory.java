package dev.dotgate.server;

import dev.dotgate.config.ListenOptions;
import dev.dotgate.limits.ClientLimits;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.proxy.ProxyProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain DNS over UDP: with epoll, one socket per event loop on the same port (SO_REUSEPORT) spreads the queries
 * over all cores. Every UDP socket of the gateway shares one bound of queries in flight
 * ({@code listen.max_udp_inflight}): over it, reading pauses on all of them ({@link UdpHandler}). Per-datagram
 * admission (client limits, the PROXY header of a trusted peer) is the handler's, as there is no connection to
 * admit.
 */
final class UdpListenerFactory implements ListenerFactory {
    private final EventLoopGroup group;
    private final int threads;
    private final ListenOptions options;
    private final QueryIntake intake;
    private final ServerCounters counters;
    private final ProxyProtocol proxy;
    private final ClientLimits clientLimits;
    private final AtomicBoolean stopped;
    private final AtomicInteger inflight = new AtomicInteger();
    private final List<Channel> sockets = new CopyOnWriteArrayList<>();

    UdpListenerFactory(EventLoopGroup group, int threads, ListenOptions options, QueryIntake intake,
            ServerCounters counters, ProxyProtocol proxy, ClientLimits clientLimits, AtomicBoolean stopped) {
        this.group = group;
        this.threads = threads;
        this.options = options;
        this.intake = intake;
        this.counters = counters;
        this.proxy = proxy;
        this.clientLimits = clientLimits;
        this.stopped = stopped;
    }

    @Override
    public Transport transport() {
        return Transport.UDP;
    }

    @Override
    public BoundListener bind(InetSocketAddress address) throws BindFailure {
        List<Channel> mine = new ArrayList<>();
        InetSocketAddress actual = address;
        int perAddress = Transports.epoll() ? threads : 1;
        try {
            for (int i = 0; i < perAddress; i++) {
                Bootstrap b = new Bootstrap()
                        .group(group)
                        .channel(Transports.datagramChannel())
                        .option(ChannelOption.AUTO_READ, false)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(4096))
                        .option(ChannelOption.SO_RCVBUF, 4 << 20)
                        .option(ChannelOption.SO_SNDBUF, 4 << 20)
                        .handler(new UdpHandler(intake, counters, inflight, options.maxUdpInflight(), stopped,
                                sockets, proxy, clientLimits));
                if (Transports.epoll()) {
                    b.option(EpollChannelOption.SO_REUSEPORT, true);
                    // recvmmsg: up to 16 datagrams per system call (measured: about 15% less CPU per query at load).
                    b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, UdpHandler.MAX_QUERY);
                    b.option(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(UdpHandler.MAX_QUERY * 16));
                }
                InetSocketAddress target = i == 0 ? address : actual;
                Channel ch = Listeners.bind(() -> b.bind(target), "udp", address);
                actual = (InetSocketAddress) ch.localAddress();
                mine.add(ch);
                sockets.add(ch);
            }
        } catch (BindFailure e) {
            close(mine);
            throw e;
        }
        InetSocketAddress bound = actual;
        return new BoundListener() {
            @Override
            public Transport transport() {
                return Transport.UDP;
            }

            @Override
            public InetSocketAddress address() {
                return bound;
            }

            @Override
            public void serve() {
                for (Channel c : mine) {
                    c.config().setAutoRead(true);
                }
            }

            @Override
            public void stopAccepting() {
                for (Channel c : mine) {
                    c.config().setAutoRead(false);
                }
            }

            @Override
            public void close() {
                UdpListenerFactory.this.close(mine);
            }
        };
    }

    private void close(List<Channel> channels) {
        for (Channel c : channels) {
            sockets.remove(c);
            c.close().awaitUninterruptibly();
        }
    }
}
