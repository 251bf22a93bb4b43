package dev.dotgate.runtime;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.upstream.UpstreamProbe;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The background probes of the serving snapshot's upstreams ({@link UpstreamProbe}), once a second: an upstream
 * marked down is probed each second until it answers; one that shares a {@code fastest} group with others and
 * has had no answer for {@value #IDLE_SECONDS} s is probed so that its round-trip estimate stays fresh (an idle
 * faster upstream is found again). A lone upstream, or one in another strategy's group, is never probed while up,
 * so idle connections still close.
 */
public final class UpstreamProbing implements AutoCloseable {
    static final long IDLE_SECONDS = 15;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(IDLE_SECONDS);

    private final Supplier<Snapshot> current;
    private final EventLoopGroup group;
    private final ScheduledFuture<?> tick;

    private UpstreamProbing(Supplier<Snapshot> current, EventLoopGroup group) {
        this.current = current;
        this.group = group;
        this.tick = group.next().scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts probing whatever snapshot {@code current} gives, on {@code group}'s loops. */
    public static UpstreamProbing start(Supplier<Snapshot> current, EventLoopGroup group) {
        return new UpstreamProbing(current, group);
    }

    private void tick() {
        Snapshot s = current.get();
        if (s == null) {
            return;
        }
        long timeout = s.config().upstream().timeout().toNanos();
        Set<Upstream> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        for (UpstreamGroup g : s.routes().groups()) {
            if (g.strategy() == UpstreamGroup.Strategy.FASTEST && g.all().size() > 1) {
                fresh.addAll(g.all());
            }
        }
        Set<Upstream> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Upstream u : s.upstreams().values()) {
            if (!seen.add(u) || !u.available()) {
                continue;
            }
            if (u.health().isDown() || (fresh.contains(u) && u.health().sinceLastSampleNanos() > IDLE_NANOS)) {
                UpstreamProbe.send(u, group.next(), timeout);
            }
        }
    }

    @Override
    public void close() {
        tick.cancel(false);
    }
}
