package dev.dotgate.runtime;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamProbe;
import io.netty.channel.EventLoopGroup;
import java.util.function.Supplier;

/**
 * Whether the gateway is ready to serve, for {@code GET /ready}: its listeners are bound, and an upstream of the
 * serving snapshot has answered and is not down now. Without client traffic nothing would ever answer, so while
 * no upstream has, each look (at most once a second) sends every upstream a probe ({@link UpstreamProbe}: the
 * root's NS). Nothing is sent unless someone asks.
 */
public final class Readiness implements Supplier<String> {
    private static final long PROBE_EVERY_NANOS = 1_000_000_000L;

    private final Supplier<Snapshot> current;
    private final EventLoopGroup group;
    private volatile boolean listening;
    private volatile long lastProbe = System.nanoTime() - PROBE_EVERY_NANOS;

    public Readiness(Supplier<Snapshot> current, EventLoopGroup group) {
        this.current = current;
        this.group = group;
    }

    /** The listeners are bound. */
    public void listening() {
        listening = true;
    }

    /** Null when ready; otherwise why not, one line. */
    @Override
    public String get() {
        if (!listening) {
            return "the listeners are not bound yet";
        }
        Snapshot s = current.get();
        boolean answered = false;
        for (Upstream u : s.upstreams().values()) {
            if (!u.health().unmeasured()) {
                answered = true;
                if (!u.health().isDown()) {
                    return null;
                }
            }
        }
        probe();
        return answered ? "every upstream that answered is down now" : "no upstream has answered yet";
    }

    private void probe() {
        long now = System.nanoTime();
        if (now - lastProbe < PROBE_EVERY_NANOS) {
            return;
        }
        lastProbe = now;
        Snapshot s = current.get();
        long timeout = s.config().upstream().timeout().toNanos();
        for (Upstream u : s.upstreams().values()) {
            if (u.available()) {
                UpstreamProbe.send(u, group.next(), timeout);
            }
        }
    }
}
