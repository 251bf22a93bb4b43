package dev.dotgate.server;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.net.BindFailure;
import dev.dotgate.net.Transports;
import dev.dotgate.resolve.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * DNS over QUIC (RFC 9250): a QUIC server (Netty's codec over quiche) on a UDP socket, ALPN {@code doq}, with the
 * listeners' certificate. Each connection is admitted as a stream connection is ({@link StreamAdmission}: the
 * encrypted access list, the client's connection slots, the total), once its handshake is done; each
 * client-initiated bidirectional stream carries one query ({@link DoqStream}). A unidirectional stream is a
 * protocol error (DOQ_PROTOCOL_ERROR closes the connection). Connections idle for {@code listen.idle_timeout}
 * close (QUIC's idle timeout); streams at once per connection are capped by
 * {@code listen.max_queries_per_connection} (MAX_STREAMS).
 */
final class DoqListenerFactory implements ListenerFactory {
    /** RFC 9250 section 8.4. */
    static final int DOQ_NO_ERROR = 0x0;
    static final int DOQ_INTERNAL_ERROR = 0x1;
    static final int DOQ_PROTOCOL_ERROR = 0x2;
    static final int DOQ_EXCESSIVE_LOAD = 0x4;
    static final String ALPN = "doq";

    private final StreamAdmission admission;
    private final ListenOptions options;
    private final LimitsOptions limits;
    private final QueryIntake intake;
    private final EventLoopGroup group;
    private final Supplier<QuicSslContext> context;
    private final ConnectionObserver connections;

    DoqListenerFactory(StreamAdmission admission, ListenOptions options, LimitsOptions limits, QueryIntake intake,
            EventLoopGroup group, Supplier<QuicSslContext> context, ConnectionObserver connections) {
        this.connections = connections;
        this.admission = admission;
        this.options = options;
        this.limits = limits;
        this.intake = intake;
        this.group = group;
        this.context = context;
    }

    @Override
    public Transport transport() {
        return Transport.DOQ;
    }

    @Override
    public BoundListener bind(InetSocketAddress address) throws BindFailure {
        ChannelHandler codec = new QuicServerCodecBuilder()
                .sslEngineProvider(q -> context.get().newEngine(q.alloc()))
                .maxIdleTimeout(options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .initialMaxData(4L << 20)
                .initialMaxStreamDataBidirectionalRemote(2 + limits.maxQuerySize())
                .initialMaxStreamDataBidirectionalLocal(2 + 65535)
                .initialMaxStreamsBidirectional(options.maxInflightPerConnection())
                .initialMaxStreamsUnidirectional(0)
                .activeMigration(false)
                .handler(new Admit())
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        if (ch.type() != QuicStreamType.BIDIRECTIONAL || ch.isLocalCreated()) {
                            ch.parent().close(true, DOQ_PROTOCOL_ERROR, ch.alloc().buffer(0));
                            return;
                        }
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(2 + limits.maxQuerySize(), 0, 2, 0, 2));
                        ch.pipeline().addLast(new DoqStream(intake));
                    }
                })
                .build();
        Bootstrap b = new Bootstrap().group(group.next()).channel(Transports.datagramChannel())
                .option(ChannelOption.AUTO_READ, false).handler(codec);
        Channel ch = Listeners.bind(() -> b.bind(address), Transport.DOQ.name().toLowerCase(Locale.ROOT), address);
        InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
        return new BoundListener() {
            @Override
            public Transport transport() {
                return Transport.DOQ;
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
                // QUIC connections share the socket: it stays open for them until close().
            }

            @Override
            public void close() {
                ch.close().awaitUninterruptibly();
            }
        };
    }

    /** Each QUIC connection, once its handshake is done: admitted as a stream connection, or closed. */
    @ChannelHandler.Sharable
    private final class Admit extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            QuicChannel quic = (QuicChannel) ctx.channel();
            if (!admission.admitQuic(quic, Transport.DOQ, (InetSocketAddress) quic.remoteSocketAddress())) {
                quic.close(true, DOQ_EXCESSIVE_LOAD, quic.alloc().buffer(0));
            } else if (TlsResumption.resumed(quic.sslEngine())) {
                connections.resumed(Transport.DOQ);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
