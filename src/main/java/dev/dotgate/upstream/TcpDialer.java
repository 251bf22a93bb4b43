package dev.dotgate.upstream;

import dev.dotgate.net.Transports;
import dev.dotgate.upstream.bootstrap.HappyEyeballs;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * TCP connections to an upstream: a connect raced over its addresses ({@link HappyEyeballs}; one for an IP), with
 * TCP_NODELAY and the connect timeout; the winner comes back connected with an empty pipeline for the kind to
 * build on, the losers are closed.
 */
final class TcpDialer {
    private TcpDialer() {
    }

    /** The first of {@code targets} to accept a connection, on {@code loop}. */
    static Future<Channel> dial(EventLoop loop, List<InetSocketAddress> targets, int connectTimeoutMillis) {
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(Transports.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(Placeholder.INSTANCE);
        Promise<Channel> won = loop.newPromise();
        HappyEyeballs.race(loop, targets, a -> connected(loop, b.connect(a)), Channel::close).addListener(f -> {
            if (f.isSuccess()) {
                Channel ch = (Channel) f.getNow();
                ch.pipeline().remove(Placeholder.INSTANCE);
                won.setSuccess(ch);
            } else {
                won.setFailure(f.cause());
            }
        });
        return won;
    }

    private static Future<Channel> connected(EventLoop loop, ChannelFuture f) {
        Promise<Channel> p = loop.newPromise();
        f.addListener(x -> {
            if (x.isSuccess()) {
                p.setSuccess(f.channel());
            } else {
                p.setFailure(x.cause());
            }
        });
        return p;
    }

    /** The handler of a connection attempt until it wins: none of its own. */
    @ChannelHandler.Sharable
    private static final class Placeholder extends ChannelInboundHandlerAdapter {
        static final Placeholder INSTANCE = new Placeholder();
    }
}
