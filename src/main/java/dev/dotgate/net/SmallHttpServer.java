package dev.dotgate.net;

import dev.dotgate.config.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server for the few requests of the metrics endpoint and the phone-profile download: Netty on
 * its own event loop group of one thread (epoll where it loads), kept off the gateway's event loops and out of
 * the query path. It serves request heads only (GET, HEAD and the like; no body is accepted) and is built so
 * that no client can hold it up:
 * <ul>
 * <li>at most {@link #MAX_CONNECTIONS} connections in all and {@link #MAX_CONNECTIONS_PER_ADDRESS} per client
 * address; more are closed at accept;</li>
 * <li>a request head must be complete within {@link #HEAD_TIMEOUT} of the accept, and the next one within
 * {@link #HEAD_TIMEOUT} of the end of the previous response (so that is also how long an idle keep-alive
 * connection stays open); else the connection is closed;</li>
 * <li>a request line longer than {@link #MAX_INITIAL_LINE} gets 414, headers larger than
 * {@link #MAX_HEADER_SIZE} 431, a request with a body (a non-zero {@code Content-Length} or chunked) 413, an
 * unreadable one 400, and the connection is closed after that answer;</li>
 * <li>one response is written at a time per connection; at most {@link #MAX_PIPELINED} requests may wait behind
 * it, more close the connection; a response the client does not take within {@link #WRITE_TIMEOUT} closes it.</li>
 * </ul>
 * Every such refusal is counted in {@link #refusals()}. The handler runs on the server's one thread, one request at
 * a time.
 */
public final class SmallHttpServer implements AutoCloseable {
    /** Open connections in all; more are closed at accept. */
    public static final int MAX_CONNECTIONS = 64;
    /** Open connections from one client address; more are closed at accept. */
    public static final int MAX_CONNECTIONS_PER_ADDRESS = 8;
    /** A request head must arrive within this of the accept or of the end of the previous response. */
    public static final Duration HEAD_TIMEOUT = Duration.ofSeconds(5);
    /** A response must be taken by the client within this. */
    public static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    /** Longest request line, in bytes; longer is 414. */
    public static final int MAX_INITIAL_LINE = 4096;
    /** Largest request header block, in bytes; larger is 431. */
    public static final int MAX_HEADER_SIZE = 8192;
    /** Requests read ahead of their answers on one connection; more close it. */
    public static final int MAX_PIPELINED = 16;

    /** Answers one request; called on the server's thread. An exception is answered 500 and logged. */
    @FunctionalInterface
    public interface Handler {
        SmallHttpResponse handle(SmallHttpRequest request);
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final ChannelGroup connections;
    private final SmallHttpRefusals refusals;
    private final AtomicInteger writing;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SmallHttpServer(EventLoopGroup group, Channel channel, ChannelGroup connections,
            SmallHttpRefusals refusals, AtomicInteger writing) {
        this.group = group;
        this.channel = channel;
        this.connections = connections;
        this.refusals = refusals;
        this.writing = writing;
    }

    /**
     * Binds {@code address} (port 0 picks one) and serves every path with {@code handler} on a thread named after
     * {@code threadName}. A bind failure says "cannot serve {@code what} on http ADDRESS", why, and that
     * {@code option} picks another address.
     */
    public static SmallHttpServer start(InetSocketAddress address, String threadName, Handler handler, String what,
            String option) throws BindFailure {
        String where = "cannot serve " + what + " on http " + (address.getAddress() == null
                ? address.getHostString() + ":" + address.getPort() : HostPort.format(address));
        if (address.isUnresolved()) {
            throw new BindFailure(BindErrors.describe(new IOException("cannot resolve " + address.getHostString()),
                    where, option));
        }
        EventLoopGroup group = Transports.newGroup(1, threadName);
        ChannelGroup connections = new DefaultChannelGroup(threadName, group.next());
        SmallHttpRefusals refusals = new SmallHttpRefusals();
        AtomicInteger writing = new AtomicInteger();
        ConnectionCap cap = new ConnectionCap(MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress from = ch.remoteAddress().getAddress();
                        SmallHttpRefusals.Reason over = cap.acquire(from);
                        if (over != null) {
                            refusals.count(over);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> cap.release(from));
                        connections.add(ch);
                        SmallHttpConnection conn = new SmallHttpConnection(handler, refusals, writing);
                        ch.pipeline().addLast(conn.byteWatch(),
                                new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(MAX_INITIAL_LINE)
                                        .setMaxHeaderSize(MAX_HEADER_SIZE)),
                                conn);
                    }
                });
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
            throw new BindFailure(BindErrors.describe(bound.cause(), where, option));
        }
        return new SmallHttpServer(group, bound.channel(), connections, refusals, writing);
    }

    /** The bound address, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** What the server turned away so far, by reason. */
    public SmallHttpRefusals refusals() {
        return refusals;
    }

    /**
     * Stops listening; a response being written gets up to a second to finish, then every connection is closed
     * and the thread stops. Call from outside the server's thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (writing.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
