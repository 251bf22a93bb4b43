package dev.dotgate.server.proxy;

import dev.dotgate.resolve.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sits after {@link HeaderDecoder} on a connection from a trusted load balancer: takes the decoded header, records
 * the client it names on the channel ({@link ClientAddress#KEY}), leaves the pipeline and lets the listener add
 * its handlers. An invalid header, bytes that can start none, or no header within the timeout close the
 * connection, counted and reported.
 */
final class HeaderReader extends ChannelInboundHandlerAdapter {
    private final ProxyProtocol proxy;
    private final Transport transport;
    private final InetSocketAddress peer;
    private final HeaderDecoder decoder;
    private final Consumer<Channel> ready;
    private Future<?> timer;
    private boolean done;

    HeaderReader(ProxyProtocol proxy, Transport transport, InetSocketAddress peer, HeaderDecoder decoder,
            Consumer<Channel> ready) {
        this.proxy = proxy;
        this.transport = transport;
        this.peer = peer;
        this.decoder = decoder;
        this.ready = ready;
    }

    void startTimer(Channel ch, long millis) {
        timer = ch.eventLoop().schedule(() -> {
            if (!done) {
                fail(ch);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header) || done) {
            ctx.fireChannelRead(msg);
            return;
        }
        done = true;
        timer.cancel(false);
        Channel ch = ctx.channel();
        try {
            InetSocketAddress client = client(header);
            if (client != null) {
                ch.attr(ClientAddress.KEY).set(client);
            }
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
        if (ch.isActive()) {
            ready.accept(ch);
        }
    }

    /** The source named by a PROXY header; null (the peer itself) for LOCAL, UNKNOWN and AF_UNIX. */
    private static InetSocketAddress client(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        switch (header.proxiedProtocol().addressFamily()) {
            case AF_IPv4:
            case AF_IPv6:
                byte[] bytes = NetUtil.createByteArrayFromIpAddressString(header.sourceAddress());
                try {
                    return new InetSocketAddress(InetAddress.getByAddress(bytes), header.sourcePort());
                } catch (UnknownHostException e) {
                    return null; // the decoder checked the address already; not reached
                }
            default:
                return null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
        } else if (cause instanceof DecoderException) {
            fail(ctx.channel()); // an invalid or oversized header, or bytes that can start none
        } else {
            ctx.close(); // a reset or other I/O error: counted on close only if part of a header had come
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            done = true;
            timer.cancel(false);
            if (decoder.received()) {
                proxy.rejected(transport, peer); // closed in the middle of a header
            }
        }
        ctx.fireChannelInactive();
    }

    private void fail(Channel ch) {
        done = true;
        timer.cancel(false);
        proxy.rejected(transport, peer);
        ch.close();
    }
}
