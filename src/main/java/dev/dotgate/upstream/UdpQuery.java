package dev.dotgate.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

/**
 * One query to a {@code udp://} upstream on a socket of its own (RFC 5452): the handler of that socket, the ID and
 * 0x20 case mask it was sent with, and its place in its upstream's list of queries in flight (send order). The
 * socket is connected to the upstream, so the kernel passes on only datagrams from the upstream's address and port;
 * it is closed when the answer is taken or the query expires, after which nothing more can be received for it.
 * All state lives on its lane's event loop.
 */
final class UdpQuery extends ChannelInboundHandlerAdapter implements ChannelFutureListener {
    final DatagramLane lane;
    final UpstreamQuery query;
    final int id;
    /** The 0x20 case mask; only meaningful when the upstream randomises case. */
    final long caseMask;
    final long sentNanos;
    Channel channel;
    UdpQuery prev;
    UdpQuery next;
    boolean finished;

    UdpQuery(DatagramLane lane, UpstreamQuery query, int id, long caseMask, long sentNanos) {
        this.lane = lane;
        this.query = query;
        this.id = id;
        this.caseMask = caseMask;
        this.sentNanos = sentNanos;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lane.onAnswer(this, (DatagramPacket) msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP port unreachable and the like: the query times out or is retried elsewhere.
    }

    /** The connect finished later than the call (not the usual case for UDP): send now, or give up. */
    @Override
    public void operationComplete(ChannelFuture future) {
        lane.connected(this, future);
    }

    /** Closes the socket; idempotent. */
    void close() {
        finished = true;
        if (channel != null) {
            channel.close();
        }
    }
}
