package dev.dotgate.server;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.InetSocketAddress;

/**
 * One DoQ stream: one query (2-byte length, message ID 0), answered on the same stream (2-byte length, ID 0) and
 * the stream finished (RFC 9250 section 4.2). A second message on the stream, a message ID other than 0, or the
 * client's FIN before a whole message are protocol errors: the connection closes with DOQ_PROTOCOL_ERROR. The
 * client's limits are its connection's: over its rate or share the query waits (backpressure, as on DoT). The
 * answer is padded to 468 bytes when the query was padded, and never carries edns-tcp-keepalive.
 *
 * <p>Buffers: the frame decoder's message is handed to the intake, which owns it from there; the answer's
 * buffers are written and released by the stream.
 */
final class DoqStream extends ChannelInboundHandlerAdapter {
    private final QueryIntake intake;
    private ChannelHandlerContext ctx;
    private boolean received;
    private ByteBuf waiting; // held while the client's throttle says wait
    private StreamThrottle throttle;
    private InetSocketAddress client;

    DoqStream(QueryIntake intake) {
        this.intake = intake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        QuicChannel quic = (QuicChannel) ctx.channel().parent();
        this.throttle = StreamThrottle.of(quic);
        this.client = (InetSocketAddress) quic.remoteSocketAddress();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf m = (ByteBuf) msg;
        if (received || m.readableBytes() < 2 || m.getUnsignedShort(m.readerIndex()) != 0) {
            m.release();
            protocolError();
            return;
        }
        received = true;
        if (throttle != null && !throttle.admit(ctx, this::retry)) {
            waiting = m;
            return;
        }
        submit(m);
    }

    private void retry() {
        ByteBuf m = waiting;
        if (m == null) {
            return;
        }
        if (!ctx.channel().isActive()) {
            waiting = null;
            m.release();
        } else if (throttle.admit(ctx, this::retry)) {
            waiting = null;
            submit(m);
        }
    }

    private void submit(ByteBuf m) {
        if (intake.accept(m, Transport.DOQ, client, ctx.executor(), this::respond, ctx.alloc(),
                throttle == null ? null : throttle.state()) == QueryIntake.Outcome.REJECTED) {
            ((QuicStreamChannel) ctx.channel()).shutdownOutput(DoqListenerFactory.DOQ_PROTOCOL_ERROR);
        }
    }

    /** The answer (the client's ID, 0, already in it): padded when the query was, then written on the stream. */
    private void respond(Exchange exchange, ByteBuf answer) {
        ByteBuf out = exchange.info().padding() ? Padding.padResponse(answer, ctx.alloc()) : answer;
        OnEventLoop.run(ctx.executor(), out, this::write);
    }

    private void write(ByteBuf answer) {
        if (!ctx.channel().isActive()) {
            answer.release();
            return;
        }
        ByteBuf frame = ctx.alloc().buffer(2 + answer.readableBytes());
        frame.writeShort(answer.readableBytes()).writeBytes(answer);
        answer.release();
        ctx.writeAndFlush(frame).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownReadComplete.INSTANCE && !received) {
            protocolError(); // FIN before a whole message
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (waiting != null) {
            waiting.release();
            waiting = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void protocolError() {
        QuicChannel quic = (QuicChannel) ctx.channel().parent();
        quic.close(true, DoqListenerFactory.DOQ_PROTOCOL_ERROR, ctx.alloc().buffer(0));
    }
}
