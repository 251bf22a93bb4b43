package dev.dotgate.server;

import dev.dotgate.limits.ClientLimits;
import dev.dotgate.limits.ClientState;
import dev.dotgate.limits.ResponseRateLimiter;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.proxy.ProxyProtocol;
import dev.dotgate.wire.ExtendedErrors;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plain DNS over UDP on one socket. Answers that exceed the client's payload size (512 without EDNS), or
 * {@code limits.udp_answer_size} (1232) whatever the client advertises, go back truncated with TC=1. When
 * {@code maxInflight} queries wait, the socket stops reading (the kernel queues, then drops and counts) until a
 * quarter of them are answered.
 *
 * <p>Each query passes the client limits first ({@link ClientLimits#admitDatagram}: the client's in-flight
 * share, its query rate, the buffered-bytes budget; one table lookup): over any, it is dropped, not answered.
 * The client's state rides on the exchange to the answer, which response rate limiting may drop or send as an
 * empty TC=1 reply.
 */
final class UdpHandler extends ChannelInboundHandlerAdapter implements Responder {
    /** Largest UDP query read whole; with epoll, up to 16 datagrams of this size arrive per recvmmsg call. */
    static final int MAX_QUERY = 4096;
    /**
     * The EXTRA-TEXT of the Extended DNS Error (0, Other: RFC 8914 has no code for it) on the truncated reply sent
     * instead of an answer held back by response rate limiting.
     */
    static final byte[] RATE_LIMITED = ExtendedErrors.text("rate limited");

    private final QueryIntake intake;
    private final ServerCounters counters;
    private final AtomicInteger inflight;
    private final int maxInflight;
    private final java.util.concurrent.atomic.AtomicBoolean stopped;
    private final java.util.List<Channel> allSockets;
    private final ProxyProtocol proxy;
    private final boolean proxyOn;
    private final ClientLimits limits;
    private final int answerSize;
    private Channel channel;
    /** True while this socket's event loop is inside a read batch; answers made meanwhile are flushed at its end. */
    private boolean reading;
    private boolean unflushed;

    /**
     * {@code inflight} is shared by every UDP socket in {@code allSockets}; whichever socket sees the count fall
     * back resumes reading on all of them, so a socket paused by another's load cannot stay paused.
     */
    UdpHandler(QueryIntake intake, ServerCounters counters, AtomicInteger inflight, int maxInflight,
            java.util.concurrent.atomic.AtomicBoolean stopped, java.util.List<Channel> allSockets, ProxyProtocol proxy,
            ClientLimits limits) {
        this.limits = limits;
        this.answerSize = limits.udpAnswerSize();
        this.proxy = proxy;
        this.proxyOn = proxy.enabled();
        this.stopped = stopped;
        this.allSockets = allSockets;
        this.intake = intake;
        this.counters = counters;
        this.inflight = inflight;
        this.maxInflight = maxInflight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        DatagramPacket packet = (DatagramPacket) msg;
        if (inflight.incrementAndGet() >= maxInflight) {
            ctx.channel().config().setAutoRead(false);
        }
        ByteBuf content = packet.content();
        InetSocketAddress sender = packet.sender();
        InetSocketAddress client = sender;
        if (proxyOn) {
            // From a trusted load balancer: its PROXY v2 header names the client and is skipped in place.
            client = proxy.datagramClient(content, sender);
            if (client == null) {
                packet.release();
                done();
                return;
            }
        }
        ClientState limit = limits.admitDatagram(client); // null: exempt
        if (limit == ClientState.REFUSED) {
            packet.release(); // over the client's share or rate, or the gateway over its buffered bytes: counted
            done();
            return;
        }
        if (content.capacity() > MAX_QUERY) {
            // A slice of a recvmmsg batch buffer: copied to its own small buffer, so a query waiting on a slow
            // upstream does not keep the whole batch buffer alive.
            ByteBuf own = ctx.alloc().buffer(content.readableBytes()).writeBytes(content);
            packet.release();
            content = own;
        }
        // Answers go back to the sender (the load balancer), without a PROXY header, as dnsdist expects.
        Responder responder = client == sender ? this : (exchange, answer) -> respond(exchange, answer, sender);
        var outcome = intake.accept(content, Transport.UDP, client, ctx.executor(), responder, ctx.alloc(), limit);
        if (outcome == QueryIntake.Outcome.REJECTED) {
            done();
        }
    }

    @Override
    public void respond(Exchange exchange, ByteBuf answer) {
        respond(exchange, answer, exchange.client());
    }

    /** Takes ownership of {@code answer}; sends it to {@code to}: the client, or the load balancer it came through. */
    private void respond(Exchange exchange, ByteBuf answer, InetSocketAddress to) {
        done();
        ByteBuf out = answer;
        if (exchange.attachment() instanceof ClientState limit) {
            ResponseRateLimiter.Verdict v = limits.judgeUdpAnswer(limit, answer, exchange.info().questionEnd(),
                    exchange.client());
            if (v == ResponseRateLimiter.Verdict.DROP) {
                answer.release();
                return;
            }
            if (v == ResponseRateLimiter.Verdict.SLIP) {
                out = Replies.truncated(answer.alloc(), answer, exchange.info(), ExtendedErrors.OTHER, RATE_LIMITED);
                answer.release();
                answer = out;
            }
        }
        if (out.readableBytes() > Math.min(exchange.info().udpSize(), answerSize)) {
            out = Replies.truncated(answer.alloc(), answer, exchange.info());
            answer.release();
            counters.truncated.increment();
        }
        DatagramPacket reply = new DatagramPacket(out, to);
        if (channel.eventLoop().inEventLoop() && reading) {
            // Answered while reading (cache hits, local answers, policy): sent together at the end of the read
            // batch, which the epoll transport turns into one sendmmsg.
            channel.write(reply, channel.voidPromise());
            unflushed = true;
        } else {
            channel.writeAndFlush(reply, channel.voidPromise());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void done() {
        if (inflight.decrementAndGet() < maxInflight * 3 / 4 && !stopped.get()) {
            for (Channel c : allSockets) {
                if (!c.config().isAutoRead()) {
                    c.config().setAutoRead(true);
                }
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP errors and the like on an unconnected socket: nothing to close, keep serving.
    }
}
