import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A DNS-over-QUIC load generator for the bench (no Debian package speaks DoQ; dnsperf 2.10 has no DoQ mode):
 * CONNECTIONS QUIC connections to 127.0.0.1:PORT, each keeping STREAMS queries in flight, one bidirectional stream
 * per query (2-byte length, ID 0, FIN), names taken in turn from NAMES (dnsperf's "name type" lines, type A).
 * Prints the NOERROR answers per second over SECONDS, as the bench's other scenarios count. Certificates are not
 * checked: the load is the point, and it stays on loopback.
 *
 *   java -cp dotgate.jar bench/DoqLoad.java PORT SECONDS CONNECTIONS STREAMS NAMES
 */
public final class DoqLoad {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long seconds = Long.parseLong(args[1]);
        int connections = Integer.parseInt(args[2]);
        int streams = Integer.parseInt(args[3]);
        List<byte[]> queries = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[4]))) {
            queries.add(query(line.split("\\s+")[0]));
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        QuicSslContext tls = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols("doq").build();
        AtomicLong ok = new AtomicLong();
        AtomicLong next = new AtomicLong();
        long[] stopAt = {Long.MAX_VALUE};
        List<QuicChannel> channels = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            ChannelHandler codec = new QuicClientCodecBuilder()
                    .sslEngineProvider(q -> tls.newEngine(q.alloc(), "localhost", port))
                    .maxIdleTimeout(30, TimeUnit.SECONDS).initialMaxData(16 << 20)
                    .initialMaxStreamDataBidirectionalLocal(1 << 17).build();
            Channel udp = new Bootstrap().group(group).channel(EpollDatagramChannel.class).handler(codec)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            channels.add(QuicChannel.newBootstrap(udp).remoteAddress(new InetSocketAddress("127.0.0.1", port))
                    .streamHandler(new ChannelInboundHandlerAdapter()).connect().get(5, TimeUnit.SECONDS));
        }
        long start = System.nanoTime();
        stopAt[0] = start + TimeUnit.SECONDS.toNanos(seconds);
        for (QuicChannel q : channels) {
            q.eventLoop().execute(() -> {
                for (int s = 0; s < streams; s++) {
                    send(q, queries, next, ok, stopAt);
                }
            });
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds) + 200);
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("%d%n", (long) (ok.get() / Math.min(elapsed, seconds + 0.2)));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** One query on a new stream; its answer (or failure) sends the next, until the end. */
    private static void send(QuicChannel q, List<byte[]> queries, AtomicLong next, AtomicLong ok, long[] stopAt) {
        if (System.nanoTime() - stopAt[0] > 0 || !q.isActive()) {
            return;
        }
        byte[] m = queries.get((int) (next.getAndIncrement() % queries.size()));
        q.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(65537, 0, 2, 0, 2));
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    private boolean done;

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        if (b.readableBytes() >= 4 && (b.getByte(3) & 0x0F) == 0) {
                            ok.incrementAndGet();
                        }
                        b.release();
                        finish();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        finish();
                    }

                    private void finish() {
                        if (!done) {
                            done = true;
                            send(q, queries, next, ok, stopAt);
                        }
                    }
                });
            }
        }).addListener(f -> {
            if (f.isSuccess()) {
                QuicStreamChannel s = (QuicStreamChannel) f.getNow();
                ByteBuf out = s.alloc().buffer(2 + m.length).writeShort(m.length).writeBytes(m);
                s.writeAndFlush(out).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            } else {
                q.eventLoop().schedule(() -> send(q, queries, next, ok, stopAt), 1, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** A query for {@code name} type A, ID 0, RD. */
    private static byte[] query(String name) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return out.toByteArray();
    }
}
