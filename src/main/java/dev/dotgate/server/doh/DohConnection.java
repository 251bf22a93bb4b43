package dev.dotgate.server.doh;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Responder;
import dev.dotgate.resolve.Transport;
import dev.dotgate.server.OnEventLoop;
import dev.dotgate.server.QueryIntake;
import dev.dotgate.server.StreamThrottle;
import dev.dotgate.server.proxy.ClientAddress;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * What a DoH connection of either HTTP version needs between its requests and the query path: the client (the
 * PROXY header's, if any), its limits, handing a query in, padding an answer and bringing it to the connection's
 * event loop, and the text body of a refusal (counted and reported). Made once, when the handler is added.
 */
final class DohConnection {
    private final DohSettings settings;
    private final ChannelHandlerContext ctx;
    private final InetSocketAddress client;
    /** The client's limits; null: exempt. */
    private final StreamThrottle throttle;

    DohConnection(DohSettings settings, ChannelHandlerContext ctx) {
        this.settings = settings;
        this.ctx = ctx;
        this.client = ClientAddress.of(ctx.channel());
        this.throttle = StreamThrottle.of(ctx.channel());
    }

    InetSocketAddress client() {
        return client;
    }

    /** The client's limits; null when it is exempt. */
    StreamThrottle throttle() {
        return throttle;
    }

    /**
     * Hands {@code message} (ownership taken) to the query path, answered through {@code responder}; false when
     * it is not a DNS query (already reported by the intake: answer {@link DohError#NOT_A_QUERY}).
     */
    boolean submit(ByteBuf message, Responder responder) {
        return settings.intake().accept(message, Transport.DOH, client, ctx.executor(), responder, ctx.alloc(),
                throttle == null ? null : throttle.state()) != QueryIntake.Outcome.REJECTED;
    }

    /**
     * Takes ownership of {@code raw} (any thread): padded to 468 bytes when the query was (RFC 8467), then given
     * to {@code write} on the connection's event loop, which owns it from there.
     */
    void answer(Exchange exchange, ByteBuf raw, Consumer<ByteBuf> write) {
        ByteBuf answer = exchange.info().padding() ? Padding.padResponse(raw, ctx.alloc()) : raw;
        OnEventLoop.run(ctx.executor(), answer, write);
    }

    /** Counts and reports {@code error}; its one-line text body, owned by the caller. */
    ByteBuf refusal(DohError error) {
        settings.refused(error, client);
        return ByteBufUtil.writeUtf8(ctx.alloc(), error.text(settings.maxQuerySize()));
    }
}
