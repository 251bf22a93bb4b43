package dev.dotgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.config.LimitsOptions;
import dev.dotgate.limits.ClientLimits;
import dev.dotgate.limits.ClientState;
import dev.dotgate.limits.LimitCounters;
import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The counting of a stream connection's waits: once when it starts to wait, not on every recheck. */
class StreamThrottleTest {
    private final LimitCounters counters = new LimitCounters();

    private ClientLimits limits(int inflight, int rate, int burst) {
        LimitsOptions o = new LimitsOptions(32, 64, List.of(), 10, inflight, rate, burst, 4096, 16384,
                Duration.ofSeconds(5), 1L << 40, 1232, 1232, 0, 0);
        return new ClientLimits(o, counters, new LongAdder(), new LongAdder(), QueryLifecycleObserver.NONE);
    }

    @Test
    void aConnectionHeldByItsInflightShareIsCountedOnceNotOnEveryRecheck() {
        ClientLimits limits = limits(1, 0, 1);
        ClientState state = limits.openConnection(new InetSocketAddress("192.0.2.1", 5353), Transport.TCP);
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        try {
            ChannelHandlerContext ctx = ch.pipeline().firstContext();
            StreamThrottle throttle = new StreamThrottle(limits, state, Transport.TCP);
            int[] admitted = {0};
            Runnable[] drain = new Runnable[1];
            drain[0] = () -> {
                if (throttle.admit(ctx, drain[0])) {
                    admitted[0]++;
                }
            };
            state.acquire(); // the client's one query in flight: its share is full
            assertThat(throttle.admit(ctx, drain[0])).isFalse();
            assertThat(throttle.admit(ctx, drain[0])).as("still waiting").isFalse();
            for (int i = 0; i < 40; i++) { // 40 rechecks, 5 ms apart, the share still full
                ch.advanceTimeBy(5, TimeUnit.MILLISECONDS);
                ch.runScheduledPendingTasks();
            }
            assertThat(admitted[0]).isZero();
            assertThat(counters.count(Reason.INFLIGHT, Transport.TCP)).as("one wait").isOne();
            state.release();
            ch.advanceTimeBy(5, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(admitted[0]).isOne();
            state.acquire();
            assertThat(throttle.admit(ctx, drain[0])).isFalse();
            assertThat(counters.count(Reason.INFLIGHT, Transport.TCP)).as("a new wait").isEqualTo(2);
            state.release();
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
