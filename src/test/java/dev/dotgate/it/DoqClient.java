package dev.dotgate.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Message;

/**
 * A DNS-over-QUIC client for tests, written on Netty's QUIC API to RFC 9250 and sharing nothing with the
 * gateway's own DoQ upstream: one QUIC connection (ALPN {@code doq} unless told otherwise, the server's
 * certificate checked against a CA file), one bidirectional stream per query carrying a 2-byte length and the
 * message with ID 0, then FIN; the answer is read to the server's FIN. Records how the server closed the
 * connection ({@link #closeEvent}).
 */
final class DoqClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel udp;
    private final QuicChannel quic;
    private final CompletableFuture<QuicConnectionCloseEvent> closeEvent = new CompletableFuture<>();

    private DoqClient(InetSocketAddress server, Path ca, String hostname, String alpn) throws Exception {
        X509Certificate caCert;
        try (InputStream in = Files.newInputStream(ca)) {
            caCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        QuicSslContext tls = QuicSslContextBuilder.forClient().trustManager(caCert).applicationProtocols(alpn)
                .build();
        ChannelHandler codec = new QuicClientCodecBuilder()
                .sslEngineProvider(q -> tls.newEngine(q.alloc(), hostname, server.getPort()))
                .maxIdleTimeout(10, TimeUnit.SECONDS)
                .initialMaxData(1 << 20)
                .initialMaxStreamDataBidirectionalLocal(1 << 17)
                .build();
        try {
            udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            quic = QuicChannel.newBootstrap(udp).remoteAddress(server)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof QuicConnectionCloseEvent e) {
                                closeEvent.complete(e);
                            }
                            ctx.fireUserEventTriggered(evt);
                        }
                    })
                    .streamHandler(new ChannelInboundHandlerAdapter())
                    .connect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Connects to {@code server}, checking its certificate for {@code hostname} against {@code ca}. */
    static DoqClient connect(InetSocketAddress server, Path ca, String hostname) throws Exception {
        return new DoqClient(server, ca, hostname, "doq");
    }

    /** The same, offering {@code alpn} instead of doq. */
    static DoqClient connect(InetSocketAddress server, Path ca, String hostname, String alpn) throws Exception {
        return new DoqClient(server, ca, hostname, alpn);
    }

    QuicChannel channel() {
        return quic;
    }

    /** The CONNECTION_CLOSE the server sent, once it did. */
    CompletableFuture<QuicConnectionCloseEvent> closeEvent() {
        return closeEvent;
    }

    /** Sends {@code query} (its ID set to 0) on a new stream and waits for the answer on it. */
    Message query(Message query) throws Exception {
        query.getHeader().setID(0);
        return exchange(query.toWire(), true).get(5, TimeUnit.SECONDS);
    }

    /**
     * Writes {@code raw} on a new stream as one framed message (FIN after it when {@code fin}); the answer, or
     * null when the stream ended without one.
     */
    CompletableFuture<Message> exchange(byte[] raw, boolean fin) throws Exception {
        return send(Unpooled.buffer(2 + raw.length).writeShort(raw.length).writeBytes(raw), fin);
    }

    /** Writes {@code bytes} on a new stream as they are (FIN after them when {@code fin}); as {@link #exchange}. */
    CompletableFuture<Message> send(ByteBuf bytes, boolean fin) throws Exception {
        CompletableFuture<Message> answer = new CompletableFuture<>();
        ByteBuf received = Unpooled.buffer();
        QuicStreamChannel s = quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                received.writeBytes(b);
                b.release();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
                    finish();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                finish();
            }

            private void finish() {
                try {
                    if (received.readableBytes() >= 2) {
                        int len = received.readUnsignedShort();
                        byte[] m = new byte[len];
                        received.readBytes(m);
                        answer.complete(new Message(m));
                    } else {
                        answer.complete(null);
                    }
                } catch (Exception e) {
                    answer.completeExceptionally(e);
                }
            }
        }).get(5, TimeUnit.SECONDS);
        var write = s.writeAndFlush(bytes);
        if (fin) {
            write.addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        }
        return answer;
    }

    @Override
    public void close() {
        try {
            quic.close().await(2, TimeUnit.SECONDS);
            udp.close().await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
