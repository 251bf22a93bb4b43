package dev.dotgate.upstream;

import dev.dotgate.net.Transports;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.Padding;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one QUIC connection of a DoQ upstream (RFC 9250): every query on a bidirectional stream of its own, written
 * as a 2-byte length and the message with ID 0, then FIN; the answer is read from the same stream. Streams open as
 * the server's MAX_STREAMS allows (queries beyond wait here). An answer is taken only when it is a DNS response to
 * the question asked. A 100 ms tick cancels the streams of queries that completed elsewhere or waited past the
 * timeout (DOQ_REQUEST_CANCELLED), closes the connection when silent while queries wait, and closes it
 * (DOQ_NO_ERROR) once idle for the idle timeout; QUIC's own idle timeout is negotiated the same. A connection
 * that closes loses every query on it, to be retried.
 *
 * <p>All state but {@link #load} and the flags lives on the connection's event loop. Buffers: each query is
 * written into a buffer handed to Netty; each answer frame is handed to the query.
 */
final class QuicConnection implements PooledUpstream.Connection {
    private static final long TICK_MILLIS = 100;
    private static final IOException CLOSED = new IOException("DoQ upstream connection closed");
    static final int DOQ_NO_ERROR = 0x0;
    static final int DOQ_REQUEST_CANCELLED = 0x3;

    /** What the connections of one upstream share. */
    record Settings(QuicSslContext tls, String authName, int port, Padding.UpstreamCopy copy, int maxInflight,
            long timeoutNanos, long idleNanos, int connectTimeoutMillis) {
    }

    private final QuicUpstream upstream;
    private final EventLoop loop;
    private final UpstreamTotals totals;
    private final Settings settings;
    private final long silentNanos;
    private final AtomicInteger load = new AtomicInteger();
    private final ArrayDeque<UpstreamQuery> waiting = new ArrayDeque<>();
    private final Set<Stream> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile boolean closed;
    private volatile boolean draining;
    private QuicChannel quic;
    private boolean ready;
    private long lastReadNanos = System.nanoTime();
    private long lastBusyNanos = System.nanoTime();
    private ScheduledFuture<?> ticker;

    QuicConnection(QuicUpstream upstream, EventLoop loop, UpstreamTotals totals, Settings settings) {
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

    @Override
    public int capacity() {
        return settings.maxInflight();
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
     * One connection attempt to {@code address}: a UDP socket of its own carrying the QUIC codec, and the QUIC
     * handshake (ALPN doq, SNI and certificate checked for the upstream's name).
     */
    Future<QuicChannel> attempt(InetSocketAddress address) {
        Promise<QuicChannel> p = loop.newPromise();
        ChannelHandler codec = new QuicClientCodecBuilder()
                .sslEngineProvider(q -> settings.tls().newEngine(q.alloc(), settings.authName(), settings.port()))
                .maxIdleTimeout(TimeUnit.NANOSECONDS.toMillis(settings.idleNanos()) + 1000, TimeUnit.MILLISECONDS)
                .initialMaxData(4L << 20)
                .initialMaxStreamDataBidirectionalLocal(2 + Dns.MAX_MESSAGE)
                .initialMaxStreamsBidirectional(0) // the server may not open streams (RFC 9250 section 4.1.1)
                .initialMaxStreamsUnidirectional(0)
                .activeMigration(false)
                .build();
        new Bootstrap().group(loop).channel(Transports.datagramChannel()).handler(codec)
                .bind(address.getAddress() instanceof java.net.Inet6Address ? new InetSocketAddress("::", 0)
                        : new InetSocketAddress(0))
                .addListener(bound -> {
                    if (!bound.isSuccess()) {
                        p.tryFailure(bound.cause());
                        return;
                    }
                    Channel udp = ((io.netty.channel.ChannelFuture) bound).channel();
                    QuicChannel.newBootstrap(udp).remoteAddress(address).handler(new Events())
                            .streamHandler(new RefuseStreams()).connect().addListener(f -> {
                                if (f.isSuccess()) {
                                    p.trySuccess((QuicChannel) f.getNow());
                                } else {
                                    udp.close();
                                    p.tryFailure(f.cause());
                                }
                            });
                    loop.schedule(() -> {
                        if (p.tryFailure(new io.netty.channel.ConnectTimeoutException("DoQ handshake with " + address
                                + " timed out"))) {
                            udp.close();
                        }
                    }, settings.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
                });
        return p;
    }

    /** The attempt that won: from now on the connection. On the loop. */
    void attach(QuicChannel ch) {
        this.quic = ch;
        ch.closeFuture().addListener(f -> {
            ch.parent().close();
            closeAndReport(CLOSED);
        });
        if (!ch.isActive()) {
            closeAndReport(CLOSED);
            return;
        }
        ready = true;
        lastReadNanos = System.nanoTime();
        ticker = loop.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        drain();
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
        } else {
            waiting.add(query);
            if (ready) {
                drain();
            }
        }
    }

    /** Opens streams for waiting queries while the server allows more. */
    private void drain() {
        long allowed = quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL);
        while (allowed-- > 0 && !waiting.isEmpty()) {
            stream(waiting.poll());
        }
    }

    private void stream(UpstreamQuery query) {
        if (query.isDone()) {
            load.decrementAndGet();
            return;
        }
        Stream s = new Stream(query);
        quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(2 + Dns.MAX_MESSAGE, 0, 2, 0, 2));
                ch.pipeline().addLast(s);
            }
        }).addListener(f -> {
            if (!f.isSuccess()) {
                s.fail(new IOException("cannot open a DoQ stream: " + f.cause().getMessage()));
                return;
            }
            QuicStreamChannel ch = (QuicStreamChannel) f.getNow();
            ByteBuf out = ch.alloc().ioBuffer(2 + query.maxLength(settings.copy().hop()));
            if (!query.write(out, 0, settings.copy(), true)) {
                out.release();
                s.finish();
                ch.shutdown(DOQ_REQUEST_CANCELLED);
                return;
            }
            lastBusyNanos = System.nanoTime();
            ch.writeAndFlush(out).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
        });
    }

    private void tick() {
        long now = System.nanoTime();
        long oldest = now;
        for (Stream s : open.toArray(new Stream[0])) {
            if (s.query.isDone() || now - s.sentNanos > settings.timeoutNanos()) {
                s.cancel();
            } else if (s.sentNanos - oldest < 0) {
                oldest = s.sentNanos;
            }
        }
        if (!open.isEmpty() && now - oldest > silentNanos && lastReadNanos - oldest < 0) {
            totals.silentClosed.increment();
            quic.close(true, DOQ_NO_ERROR, quic.alloc().buffer(0));
        } else if (open.isEmpty() && waiting.isEmpty() && (draining || now - lastBusyNanos > settings.idleNanos())) {
            totals.idleClosed.increment();
            quic.close(true, DOQ_NO_ERROR, quic.alloc().buffer(0));
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
        for (Stream s : open.toArray(new Stream[0])) {
            s.fail(cause);
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
            if (quic != null) {
                quic.close(true, DOQ_NO_ERROR, quic.alloc().buffer(0));
            }
        });
    }

    @Override
    public void retireUnless(List<InetSocketAddress> addresses) {
        loop.execute(() -> {
            if (quic != null && !addresses.contains(quic.remoteSocketAddress())) {
                draining = true;
            }
        });
    }

    /** The connection's events: more streams allowed. */
    private final class Events extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicStreamLimitChangedEvent && ready) {
                drain();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            upstream.connectionError(cause);
            ctx.close();
        }
    }

    /** One query on one stream: its answer frame, on the connection's loop. */
    private final class Stream extends ChannelInboundHandlerAdapter {
        final UpstreamQuery query;
        final long sentNanos = System.nanoTime();
        private Channel channel;
        private boolean done;

        Stream(UpstreamQuery query) {
            this.query = query;
            open.add(this);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            lastReadNanos = System.nanoTime();
            lastBusyNanos = lastReadNanos;
            if (done) {
                frame.release();
                return;
            }
            finish();
            if (frame.readableBytes() < Dns.HEADER_LENGTH || !Dns.isResponse(frame)) {
                totals.malformed.increment();
                frame.release();
                query.lost(new IOException("DoQ upstream sent a message that is not a DNS answer"));
                return;
            }
            if (!query.matches(frame)) {
                (query.isDone() ? totals.late : totals.unmatched).increment();
                frame.release();
                if (!query.isDone()) {
                    query.lost(new IOException("DoQ upstream answered another question"));
                }
                return;
            }
            EdnsOptions.stripHopByHop(frame, !query.info().hasOpt());
            query.complete(frame);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new IOException("DoQ stream closed before its answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause); // RESET_STREAM from the server, among others
            ctx.close();
        }

        void fail(Throwable cause) {
            if (!done) {
                finish();
                query.lost(cause);
            }
        }

        void cancel() {
            if (!done) {
                boolean expired = !query.isDone();
                finish();
                if (expired) {
                    query.lost(new IOException("DoQ upstream did not answer in time"));
                }
                if (channel instanceof QuicStreamChannel s) {
                    s.shutdown(DOQ_REQUEST_CANCELLED);
                }
            }
        }

        void finish() {
            if (!done) {
                done = true;
                open.remove(this);
                load.decrementAndGet();
                if (ready) {
                    drain();
                }
            }
        }
    }

    /** Streams the server opens: not allowed in DoQ. */
    @ChannelHandler.Sharable
    private static final class RefuseStreams extends ChannelInboundHandlerAdapter {
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
