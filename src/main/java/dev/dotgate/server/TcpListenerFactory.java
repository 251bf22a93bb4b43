package dev.dotgate.server;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.net.BindFailure;
import dev.dotgate.resolve.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.net.InetSocketAddress;

/**
 * Plain DNS over TCP (RFC 7766): queries framed by a 2-byte length, read by a {@link StreamQueryHandler} under a
 * {@link FrameClock}. Bound on the same port as a UDP listener ({@link Listeners}, {@code listen.plain}); DoT is the
 * same framing behind TLS ({@link DotListenerFactory}).
 */
final class TcpListenerFactory implements ListenerFactory {
    private final StreamAdmission admission;
    private final ListenOptions options;
    private final LimitsOptions limits;
    private final QueryIntake intake;
    private final ServerCounters counters;

    TcpListenerFactory(StreamAdmission admission, ListenOptions options, LimitsOptions limits, QueryIntake intake,
            ServerCounters counters) {
        this.admission = admission;
        this.options = options;
        this.limits = limits;
        this.intake = intake;
        this.counters = counters;
    }

    @Override
    public Transport transport() {
        return Transport.TCP;
    }

    @Override
    public BoundListener bind(InetSocketAddress address) throws BindFailure {
        return admission.bind(address, Transport.TCP, ch -> framing(ch, Transport.TCP, clock(Transport.TCP)));
    }

    /** The idle and frame deadlines of one connection of {@code transport}. */
    FrameClock clock(Transport transport) {
        return new FrameClock(transport, limits.frameTimeout().toMillis(), options.idleTimeout().toMillis(), counters,
                intake.observer());
    }

    /** The length-prefixed framing and the query handler, after whatever TLS {@code ch} already has. */
    void framing(Channel ch, Transport transport, FrameClock clock) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new FlushConsolidationHandler(256, true));
        p.addLast(clock); // idle and frame deadlines, in place of an IdleStateHandler (which any byte resets)
        // A length over max_query_size fails at once (failFast): the connection is closed, see StreamQueryHandler.
        p.addLast(new LengthFieldBasedFrameDecoder(2 + limits.maxQuerySize(), 0, 2, 0, 2));
        p.addLast(new StreamQueryHandler(intake, counters, transport, options.maxInflightPerConnection(),
                options.writeTimeout().toMillis(), options.idleTimeout().toMillis()));
    }
}
