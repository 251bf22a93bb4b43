package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Frame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.xbill.DNS.Type;

/**
 * HTTP/2 behaviour no command-line client can provoke, driven by Netty's own HTTP/2 client frame by frame: a POST
 * body that never arrives, an error on one stream, a client that never opens its flow-control window, and a client
 * that only sends PINGs. Write timeout 1 s, idle timeout 2 s, frame timeout (a stream begun must end) 1 s.
 */
class DohHttp2EdgeTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    static Unbound unbound;
    static GatewayFixture gw;
    static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        unbound = servers.unbound();
        gw = servers.gateway(b -> b.toml("""
                [listen]
                doh = ["127.0.0.1:0"]
                write_timeout = "1s"
                idle_timeout = "2s"
                [limits]
                frame_timeout = "1s"
                """));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (gw != null) {
            gw.close();
        }
    }

    /** One HTTP/2 connection to the gateway; frames received go to {@code frames}. */
    static final class Client implements AutoCloseable {
        final BlockingQueue<Http2Frame> frames = new LinkedBlockingQueue<>();
        final Channel channel;
        final Http2FrameCodec codec;
        final Collector collector = new Collector();

        /** Keeps every frame; as an {@code Http2ChannelDuplexHandler} it may open streams. */
        final class Collector extends Http2ChannelDuplexHandler {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                frames.add((Http2Frame) msg);
            }
        }

        Client(int initialWindow) throws Exception {
            SslContext tls = SslContextBuilder.forClient().trustManager(gw.caFile().toFile())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .build();
            codec = Http2FrameCodecBuilder.forClient()
                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(initialWindow)).build();
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "dotgate.test", gw.dohPort()), codec,
                                    collector);
                        }
                    })
                    .connect("127.0.0.1", gw.dohPort()).sync().channel();
        }

        Http2FrameStream send(Http2Headers headers, boolean endStream) throws Exception {
            Http2FrameStream s = collector.newStream();
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream).stream(s)).sync();
            return s;
        }

        /** The next frame of {@code type} for {@code stream} (any stream when null), within {@code seconds}. */
        <T extends Http2Frame> T next(Class<T> type, Http2FrameStream stream, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                Http2Frame f = frames.poll(100, TimeUnit.MILLISECONDS);
                if (f == null) {
                    continue;
                }
                boolean match = type.isInstance(f) && (stream == null
                        || (f instanceof io.netty.handler.codec.http2.Http2StreamFrame sf && sf.stream() != null
                                && sf.stream().id() == stream.id()));
                if (match) {
                    return type.cast(f);
                }
                ReferenceCountUtil.release(f);
            }
            return null;
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly();
            Http2Frame f;
            while ((f = frames.poll()) != null) {
                ReferenceCountUtil.release(f);
            }
        }
    }

    static Http2Headers get(String name) {
        String dns = Base64.getUrlEncoder().withoutPadding().encodeToString(DnsClient.query(name, Type.A, 0).toWire());
        return new DefaultHttp2Headers().method("GET").scheme("https").authority("dotgate.test")
                .path("/dns-query?dns=" + dns);
    }

    static void assertAnswered(Client c, Http2FrameStream s) throws InterruptedException {
        Http2HeadersFrame h = c.next(Http2HeadersFrame.class, s, 5);
        assertThat(h).as("an answer on stream %d", s.id()).isNotNull();
        assertThat(h.headers().status().toString()).isEqualTo("200");
    }

    @Test
    void aPostBodyThatNeverComesIsResetAndTheConnectionGoesOn() throws Exception {
        try (Client c = new Client(65535)) {
            Http2FrameStream post = c.send(new DefaultHttp2Headers().method("POST").scheme("https")
                    .authority("dotgate.test").path("/dns-query").set("content-type", "application/dns-message")
                    .set("content-length", "40"), false);
            long t0 = System.nanoTime();
            Http2ResetFrame reset = c.next(Http2ResetFrame.class, post, 6);
            assertThat(reset).as("RST_STREAM for the stalled body").isNotNull();
            assertThat(reset.errorCode()).isEqualTo(Http2Error.CANCEL.code());
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(800L, 4000L);
            assertAnswered(c, c.send(get("after-reset.a.test"), true));
        }
    }

    @Test
    void anErrorOnOneStreamResetsOnlyThatStream() throws Exception {
        try (Client c = new Client(65535)) {
            // The body is longer than its Content-Length: a stream error (RFC 9113 section 8.1.1).
            Http2FrameStream bad = c.send(new DefaultHttp2Headers().method("POST").scheme("https")
                    .authority("dotgate.test").path("/dns-query").set("content-type", "application/dns-message")
                    .set("content-length", "10"), false);
            c.channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[30]), true).stream(bad))
                    .sync();
            Http2ResetFrame reset = c.next(Http2ResetFrame.class, bad, 5);
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            assertThat(c.channel.isActive()).isTrue();
            assertAnswered(c, c.send(get("after-error.a.test"), true));
        }
    }

    @Test
    void aClientThatNeverOpensItsWindowIsClosedAfterTheWriteTimeout() throws Exception {
        try (Client c = new Client(0)) { // no DATA may be sent to it at all
            c.send(get("stalled.a.test"), true);
            assertThat(c.channel.closeFuture().await(6, TimeUnit.SECONDS)).as("closed by the gateway").isTrue();
        }
    }

    @Test
    void pingsDoNotKeepAnIdleConnectionOpen() throws Exception {
        try (Client c = new Client(65535)) {
            assertAnswered(c, c.send(get("before-pings.a.test"), true));
            long t0 = System.nanoTime();
            Pace pace = Pace.everyMillis(300); // a client that pings and asks nothing
            while (c.channel.isActive() && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8)) {
                c.channel.writeAndFlush(new DefaultHttp2PingFrame(42));
                pace.next();
            }
            assertThat(c.channel.isActive()).as("closed though it kept pinging").isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(1500L, 5000L);
        }
    }
}
