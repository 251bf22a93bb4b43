package dev.dotgate.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Frame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Type;

/**
 * One HTTP/2 connection to a gateway's DoH listener, driven frame by frame with Netty's own HTTP/2 client (no
 * validation of what it sends, and no heed to the gateway's header list limit, so it can send what real clients
 * would not). Frames received are sorted by stream.
 * Its buffers come from an unpooled allocator of its own, so the gateway's pooled memory can be measured apart.
 */
final class H2Client implements AutoCloseable {
    /** What came back on one stream: status (null if none), body, and the RST_STREAM code (-1 if none). */
    record Response(String status, String contentType, byte[] body, long reset) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final Channel channel;
    final Http2FrameCodec codec;
    private final Collector collector = new Collector();
    private final Map<Integer, LinkedBlockingQueue<Http2Frame>> byStream = new ConcurrentHashMap<>();

    private final class Collector extends Http2ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2StreamFrame f && f.stream() != null) {
                queue(f.stream().id()).add(f);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    H2Client(EventLoopGroup group, int port, Path ca) throws Exception {
        SslContext tls = SslContextBuilder.forClient().trustManager(ca.toFile())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
        codec = Http2FrameCodecBuilder.forClient().validateHeaders(false).encoderIgnoreMaxHeaderListSize(true)
                .initialSettings(Http2Settings.defaultSettings()).build();
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, new UnpooledByteBufAllocator(false))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc(), "dotgate.test", port), codec, collector);
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
    }

    private LinkedBlockingQueue<Http2Frame> queue(int id) {
        return byStream.computeIfAbsent(id, k -> new LinkedBlockingQueue<>());
    }

    /** Headers for {@code method} on {@code path}, unvalidated (so upper-case names and the like can be sent). */
    static Http2Headers headers(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("https").authority("dotgate.test").path(path);
    }

    static String dnsParam(String name) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(DnsClient.query(name, Type.A, 0).toWire());
    }

    static Http2Headers get(String name) {
        return headers("GET", "/dns-query?dns=" + dnsParam(name));
    }

    static Http2Headers post(long contentLength) {
        return headers("POST", "/dns-query").set("content-type", "application/dns-message")
                .set("content-length", Long.toString(contentLength));
    }

    void flush() {
        channel.flush();
    }

    /** Opens a stream with {@code headers}; flushed and awaited when {@code flush}, else only queued. */
    Http2FrameStream send(Http2Headers headers, boolean endStream, boolean flush) throws Exception {
        Http2FrameStream s = collector.newStream();
        var f = new DefaultHttp2HeadersFrame(headers, endStream).stream(s);
        if (flush) {
            channel.writeAndFlush(f).sync();
        } else {
            channel.eventLoop().submit(() -> channel.write(f)).sync(); // written to the codec: the stream has its id
        }
        return s;
    }

    Http2FrameStream send(Http2Headers headers, boolean endStream) throws Exception {
        return send(headers, endStream, true);
    }

    /** Writes a DATA frame (taking {@code data}); its promise is not awaited: flow control may hold it. */
    void data(Http2FrameStream s, ByteBuf data, boolean endStream) {
        channel.writeAndFlush(new DefaultHttp2DataFrame(data, endStream).stream(s));
    }

    /** What comes back on {@code s} until its END_STREAM or RST_STREAM, within {@code seconds}; null if nothing. */
    Response response(Http2FrameStream s, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        LinkedBlockingQueue<Http2Frame> q = queue(s.id());
        String status = null;
        String type = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (System.nanoTime() < deadline) {
            Http2Frame f = q.poll(50, TimeUnit.MILLISECONDS);
            if (f == null) {
                continue;
            }
            try {
                if (f instanceof Http2HeadersFrame h) {
                    if (h.headers().status() != null) {
                        status = h.headers().status().toString();
                        CharSequence t = h.headers().get("content-type");
                        type = t == null ? null : t.toString();
                    }
                    if (h.isEndStream()) {
                        return new Response(status, type, body.toByteArray(), -1);
                    }
                } else if (f instanceof Http2DataFrame d) {
                    byte[] b = new byte[d.content().readableBytes()];
                    d.content().readBytes(b);
                    body.writeBytes(b);
                    if (d.isEndStream()) {
                        return new Response(status, type, body.toByteArray(), -1);
                    }
                } else if (f instanceof Http2ResetFrame r) {
                    return new Response(status, type, body.toByteArray(), r.errorCode());
                }
            } finally {
                ReferenceCountUtil.release(f);
            }
        }
        return status == null ? null : new Response(status, type, body.toByteArray(), -2);
    }

    /** The next RST_STREAM on {@code s} within {@code seconds} (other frames skipped), or -1. */
    long reset(Http2FrameStream s, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        LinkedBlockingQueue<Http2Frame> q = queue(s.id());
        while (System.nanoTime() < deadline) {
            Http2Frame f = q.poll(50, TimeUnit.MILLISECONDS);
            if (f instanceof Http2ResetFrame r) {
                return r.errorCode();
            }
            ReferenceCountUtil.release(f);
        }
        return -1;
    }

    /** How many bytes the gateway lets us send now on the connection (its connection-level window for us). */
    int connectionWindow() throws Exception {
        return channel.eventLoop().submit(() -> codec.connection().remote().flowController()
                .windowSize(codec.connection().connectionStream())).get();
    }

    /** The gateway's SETTINGS_INITIAL_WINDOW_SIZE as we applied it. */
    int streamInitialWindow() throws Exception {
        return channel.eventLoop().submit(() -> codec.connection().remote().flowController().initialWindowSize())
                .get();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        for (LinkedBlockingQueue<Http2Frame> q : byStream.values()) {
            Http2Frame f;
            while ((f = q.poll()) != null) {
                ReferenceCountUtil.release(f);
            }
        }
    }
}
