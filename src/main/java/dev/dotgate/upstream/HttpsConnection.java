package dev.dotgate.upstream;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One persistent DoH connection to an upstream. Over HTTP/2 each query is a stream of its own (a POST of the
 * wire query with ID 0, or a GET with {@code ?dns=}), as many at once as the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS and {@code upstream.max_queries_per_connection} allow; over HTTP/1.1 (when the
 * server chose it in ALPN) requests go one at a time. An answer is taken only with status 200, type
 * {@code application/dns-message} and the question asked; anything else loses the query, which is then retried
 * elsewhere. A GOAWAY stops new queries and loses those the server will not process; a connection that closes
 * loses every query on it. A 100 ms tick cancels streams of queries that completed elsewhere or waited longer than
 * the timeout, closes a connection silent while queries wait, and one idle for the idle timeout.
 *
 * <p>All state but {@link #load} and the flags lives on the channel's event loop. Buffers: the request bodies are
 * made here and handed to Netty; response bodies are copied into one buffer handed to the query.
 */
final class HttpsConnection extends ChannelInboundHandlerAdapter implements PooledUpstream.Connection {
    private static final long TICK_MILLIS = 100;
    private static final IOException CLOSED = new IOException("DoH upstream connection closed");
    private static final String DNS_MESSAGE = "application/dns-message";

    /** What every connection of one upstream sends and how long it waits. */
    record Settings(String authority, String path, boolean get, Padding.UpstreamCopy copy, int maxInflight,
            long timeoutNanos, long idleNanos) {
    }

    private final HttpsUpstream upstream;
    private final EventLoop loop;
    private final UpstreamTotals totals;
    private final Settings settings;
    private final long silentNanos;
    private final AtomicInteger load = new AtomicInteger();
    private final ArrayDeque<UpstreamQuery> waiting = new ArrayDeque<>();
    private final Set<Exchange> open = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Streams at once, as the server's SETTINGS_MAX_CONCURRENT_STREAMS allows (RFC 9113's floor of 100 until then). */
    private int streamLimit = 100;
    private volatile boolean closed;
    private volatile boolean draining;
    private Channel channel;
    private boolean ready;
    private boolean h2;
    private Http1 http1;
    private long lastReadNanos = System.nanoTime();
    private long lastBusyNanos = System.nanoTime();
    private ScheduledFuture<?> ticker;

    HttpsConnection(HttpsUpstream upstream, EventLoop loop, UpstreamTotals totals, Settings settings) {
        this.upstream = upstream;
        this.loop = loop;
        this.totals = totals;
        this.settings = settings;
        this.silentNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(300), settings.timeoutNanos() * 2 / 3);
    }

    EventLoop loop() {
        return loop;
    }

    @Override
    public int load() {
        return load.get();
    }

    /** Queries it takes: those beyond the server's stream limit wait here for a stream to end. */
    @Override
    public int capacity() {
        return settings.maxInflight();
    }

    @Override
    public int spreadAt() {
        return h2 || !ready ? PooledUpstream.SPREAD_AT : 1;
    }

    @Override
    public boolean isClosed() {
        return closed || draining;
    }

    @Override
    public boolean isDraining() {
        return draining && !closed;
    }

    /**
     * Takes over the connected {@code ch}: TLS, then the HTTP version the server chose in ALPN. On its loop, once
     * the TCP connect won.
     */
    void attach(Channel ch, SslHandler ssl) {
        this.channel = ch;
        ch.pipeline().addLast(ssl);
        ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (closed || !ctx.channel().isActive()) {
                    return; // refused after the handshake (a key pin)
                }
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    h2 = true;
                    ctx.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                            .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                                    .maxConcurrentStreams(0).initialWindowSize(256 * 1024))
                            .gracefulShutdownTimeoutMillis(TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos()))
                            .build());
                    ctx.pipeline().addLast(new Http2MultiplexHandler(RefusePushes.INSTANCE));
                    ctx.pipeline().addLast(HttpsConnection.this);
                } else {
                    http1 = new Http1();
                    ctx.pipeline().addLast(new HttpClientCodec());
                    ctx.pipeline().addLast(new HttpObjectAggregator(Dns.MAX_MESSAGE));
                    ctx.pipeline().addLast(http1);
                    ctx.pipeline().addLast(HttpsConnection.this);
                }
                upstream.connected();
                ready();
            }

            @Override
            protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // counted and logged by the upstream's handshake listener
            }
        });
        ch.closeFuture().addListener(f -> closeAndReport(CLOSED));
        if (!ch.isActive()) {
            closeAndReport(CLOSED);
        }
    }

    @Override
    public void send(UpstreamQuery query) {
        load.incrementAndGet();
        if (loop.inEventLoop()) {
            doSend(query);
        } else {
            loop.execute(() -> doSend(query));
        }
    }

    private void doSend(UpstreamQuery query) {
        if (closed || draining) {
            load.decrementAndGet();
            query.lost(CLOSED);
        } else if (!ready || (h2 && open.size() >= streamLimit)) {
            waiting.add(query);
        } else if (h2) {
            stream(query);
        } else {
            http1.send(query);
        }
    }

    private void ready() {
        if (closed) {
            return;
        }
        ready = true;
        lastReadNanos = System.nanoTime();
        ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        drain();
    }

    /** Sends waiting queries while streams are free (HTTP/2) or to the HTTP/1.1 queue. */
    private void drain() {
        while (!waiting.isEmpty() && (!h2 || open.size() < streamLimit)) {
            UpstreamQuery q = waiting.poll();
            if (h2) {
                stream(q);
            } else {
                http1.send(q);
            }
        }
    }

    /** The wire query with ID 0 in a new buffer, or null when the query completed meanwhile. */
    private ByteBuf body(UpstreamQuery query) {
        ByteBuf body = channel.alloc().buffer(query.maxLength(settings.copy().hop()));
        if (!query.write(body, 0, settings.copy(), false)) {
            body.release();
            return null;
        }
        return body;
    }

    /** The request path: the path, with {@code ?dns=} and the base64url query for GET. Releases {@code body}. */
    private String getPath(ByteBuf body) {
        String dns = Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBufUtil.getBytes(body));
        body.release();
        return settings.path() + (settings.path().contains("?") ? "&" : "?") + "dns=" + dns;
    }

    private void stream(UpstreamQuery query) {
        if (query.isDone()) {
            load.decrementAndGet();
            return;
        }
        Exchange x = new Exchange(query);
        new Http2StreamChannelBootstrap(channel).handler(x).open().addListener(f -> {
            if (!f.isSuccess()) {
                x.fail(new IOException("cannot open an HTTP/2 stream: " + f.cause().getMessage()));
                return;
            }
            Http2StreamChannel s = (Http2StreamChannel) f.getNow();
            ByteBuf body = body(query);
            if (body == null) {
                x.finish();
                s.close();
                return;
            }
            Http2Headers headers = new DefaultHttp2Headers().scheme("https").authority(settings.authority());
            headers.set(HttpHeaderNames.ACCEPT, DNS_MESSAGE);
            if (settings.get()) {
                s.writeAndFlush(new DefaultHttp2HeadersFrame(headers.method("GET").path(getPath(body)), true));
            } else {
                headers.method("POST").path(settings.path());
                headers.set(HttpHeaderNames.CONTENT_TYPE, DNS_MESSAGE);
                headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                s.write(new DefaultHttp2HeadersFrame(headers, false));
                s.writeAndFlush(new DefaultHttp2DataFrame(body, true));
            }
            lastBusyNanos = System.nanoTime();
        });
    }

    /** Takes a response body: a DNS answer to {@code query}, or the query lost. Takes ownership of {@code body}. */
    private void answer(UpstreamQuery query, ByteBuf body) {
        lastReadNanos = System.nanoTime();
        lastBusyNanos = lastReadNanos;
        if (body.readableBytes() < Dns.HEADER_LENGTH || !Dns.isResponse(body)) {
            totals.malformed.increment();
            body.release();
            query.lost(new IOException("DoH upstream sent a body that is not a DNS answer"));
            return;
        }
        if (!query.matches(body)) {
            (query.isDone() ? totals.late : totals.unmatched).increment();
            body.release();
            if (!query.isDone()) {
                query.lost(new IOException("DoH upstream answered another question"));
            }
            return;
        }
        EdnsOptions.stripHopByHop(body, !query.info().hasOpt());
        query.complete(body);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastReadNanos = System.nanoTime();
        try {
            if (msg instanceof Http2SettingsFrame settingsFrame) {
                Long max = settingsFrame.settings().maxConcurrentStreams();
                if (max != null) {
                    streamLimit = (int) Math.max(1, Math.min(settings.maxInflight(), max));
                    drain();
                }
            } else if (msg instanceof Http2GoAwayFrame) {
                draining = true; // streams it will not process were lost through their own events
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        upstream.connectionError(cause);
        ctx.close();
    }

    private void tick() {
        long now = System.nanoTime();
        long oldest = now;
        for (Exchange x : open.toArray(new Exchange[0])) {
            if (x.query.isDone() || now - x.sentNanos > settings.timeoutNanos()) {
                x.cancel();
            } else if (x.sentNanos - oldest < 0) {
                oldest = x.sentNanos;
            }
        }
        if (http1 != null && http1.inFlight != null && http1.sentNanos - oldest < 0) {
            oldest = http1.sentNanos;
        }
        boolean busy = !open.isEmpty() || (http1 != null && http1.busy());
        if (busy && now - oldest > silentNanos && lastReadNanos - oldest < 0) {
            totals.silentClosed.increment();
            channel.close();
        } else if (!busy && waiting.isEmpty() && (draining || now - lastBusyNanos > settings.idleNanos())) {
            totals.idleClosed.increment();
            channel.close();
        }
    }

    /** Marks the connection closed and reports every query on it lost. On the loop. */
    void closeAndReport(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        if (ticker != null) {
            ticker.cancel(false);
        }
        upstream.closed(this);
        for (Exchange x : open.toArray(new Exchange[0])) {
            x.fail(cause);
        }
        if (http1 != null) {
            http1.failAll(cause);
        }
        UpstreamQuery q;
        while ((q = waiting.poll()) != null) {
            load.decrementAndGet();
            q.lost(cause);
        }
    }

    @Override
    public void shutdown(Throwable cause) {
        loop.execute(() -> {
            closeAndReport(cause);
            if (channel != null) {
                channel.close();
            }
        });
    }

    @Override
    public void retireUnless(List<InetSocketAddress> addresses) {
        loop.execute(() -> {
            if (channel != null && !addresses.contains(channel.remoteAddress())) {
                draining = true;
            }
        });
    }

    /** One query on one HTTP/2 stream: its response headers and body, on the connection's loop. */
    private final class Exchange extends ChannelInboundHandlerAdapter {
        final UpstreamQuery query;
        final long sentNanos = System.nanoTime();
        private Channel stream;
        private boolean ok;
        private ByteBuf body;
        private boolean done;

        Exchange(UpstreamQuery query) {
            this.query = query;
            open.add(this);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            stream = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (done) {
                    return;
                }
                if (msg instanceof Http2HeadersFrame headers) {
                    if (!ok) {
                        CharSequence status = headers.headers().status();
                        CharSequence type = headers.headers().get(HttpHeaderNames.CONTENT_TYPE);
                        if (status == null || !"200".contentEquals(status)) {
                            fail(new IOException("DoH upstream answered HTTP " + status));
                            ctx.close();
                            return;
                        }
                        if (type == null || !DNS_MESSAGE.contentEquals(type.toString().split(";")[0].trim())) {
                            fail(new IOException("DoH upstream answered content-type " + type));
                            ctx.close();
                            return;
                        }
                        ok = true;
                    }
                    if (headers.isEndStream()) {
                        end();
                    }
                } else if (msg instanceof Http2DataFrame data) {
                    if (!ok) {
                        fail(new IOException("DoH upstream sent a body before its headers"));
                        ctx.close();
                        return;
                    }
                    if (body == null) {
                        body = ctx.alloc().buffer(data.content().readableBytes());
                    }
                    if (body.readableBytes() + data.content().readableBytes() > Dns.MAX_MESSAGE) {
                        fail(new IOException("DoH upstream answer longer than 65535 bytes"));
                        ctx.close();
                        return;
                    }
                    body.writeBytes(data.content());
                    if (data.isEndStream()) {
                        end();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2GoAwayFrame || evt instanceof Http2ResetFrame) {
                ReferenceCountUtil.release(evt);
                fail(new IOException(evt instanceof Http2GoAwayFrame ? "DoH upstream going away before this "
                        + "query" : "DoH upstream reset the stream"));
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("DoH stream closed before its answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }

        private void end() {
            ByteBuf b = body;
            body = null;
            finish();
            answer(query, b != null ? b : channel.alloc().buffer(0));
        }

        /** Done without an answer from here: the query lost (once). */
        void fail(Throwable cause) {
            if (!done) {
                finish();
                query.lost(cause);
            }
        }

        /** The query completed elsewhere or took too long: the stream is reset (CANCEL). */
        void cancel() {
            if (!done) {
                boolean expired = !query.isDone();
                finish();
                if (expired) {
                    query.lost(new IOException("DoH upstream did not answer in time"));
                }
                if (stream != null) {
                    stream.close();
                }
            }
        }

        void finish() {
            if (!done) {
                done = true;
                open.remove(this);
                load.decrementAndGet();
                if (body != null) {
                    body.release();
                    body = null;
                }
                if (ready && !closed) {
                    drain();
                }
            }
        }
    }

    /** HTTP/1.1: one request at a time, in order; the queue waits on this connection. */
    private final class Http1 extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<UpstreamQuery> queue = new ArrayDeque<>();
        private UpstreamQuery inFlight;
        private long sentNanos;

        boolean busy() {
            return inFlight != null || !queue.isEmpty();
        }

        void send(UpstreamQuery query) {
            queue.add(query);
            next();
        }

        private void next() {
            while (inFlight == null && !queue.isEmpty()) {
                UpstreamQuery q = queue.poll();
                ByteBuf body = q.isDone() ? null : body(q);
                if (body == null) {
                    load.decrementAndGet();
                    continue;
                }
                DefaultFullHttpRequest req;
                if (settings.get()) {
                    req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, getPath(body));
                } else {
                    req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, settings.path(), body);
                    req.headers().set(HttpHeaderNames.CONTENT_TYPE, DNS_MESSAGE);
                    req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                }
                req.headers().set(HttpHeaderNames.HOST, settings.authority());
                req.headers().set(HttpHeaderNames.ACCEPT, DNS_MESSAGE);
                inFlight = q;
                sentNanos = System.nanoTime();
                lastBusyNanos = sentNanos;
                channel.writeAndFlush(req);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpResponse response)) {
                ctx.fireChannelRead(msg);
                return;
            }
            lastReadNanos = System.nanoTime();
            UpstreamQuery q = inFlight;
            inFlight = null;
            try {
                if (q == null) {
                    totals.unmatched.increment();
                    return;
                }
                load.decrementAndGet();
                String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
                if (response.status().code() != 200) {
                    q.lost(new IOException("DoH upstream answered HTTP " + response.status().code()));
                } else if (type == null || !DNS_MESSAGE.equals(type.split(";")[0].trim())) {
                    q.lost(new IOException("DoH upstream answered content-type " + type));
                } else {
                    answer(q, response.content().retain());
                }
            } finally {
                response.release();
            }
            next();
        }

        void failAll(Throwable cause) {
            if (inFlight != null) {
                load.decrementAndGet();
                inFlight.lost(cause);
                inFlight = null;
            }
            UpstreamQuery q;
            while ((q = queue.poll()) != null) {
                load.decrementAndGet();
                q.lost(cause);
            }
        }
    }

    /** Streams the server opens (pushes, which our SETTINGS forbid): refused. */
    @ChannelHandler.Sharable
    private static final class RefusePushes extends ChannelInboundHandlerAdapter {
        static final RefusePushes INSTANCE = new RefusePushes();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
