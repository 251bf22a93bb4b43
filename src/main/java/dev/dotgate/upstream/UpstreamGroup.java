package dev.dotgate.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The configured upstreams, taken in turn (round robin) among those that are available; an upstream backing off
 * after failures is skipped while another can serve, and a retry goes to another upstream than the one that
 * lost the query whenever there is one.
 */
public final class UpstreamGroup {
    private final List<Upstream> upstreams;
    private final AtomicInteger next = new AtomicInteger();

    public UpstreamGroup(List<Upstream> upstreams) {
        this.upstreams = List.copyOf(upstreams);
    }

    public List<Upstream> all() {
        return upstreams;
    }

    /**
     * The next available upstream in turn, other than {@code avoid} (the one that just lost the query) when
     * another is available; null when none is.
     */
    public Upstream select(Upstream avoid) {
        int n = upstreams.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        Upstream fallback = null;
        for (int i = 0; i < n; i++) {
            Upstream u = upstreams.get((start + i) % n);
            if (u.available()) {
                if (u != avoid) {
                    return u;
                }
                fallback = u;
            }
        }
        return fallback;
    }

    public void close() {
        upstreams.forEach(Upstream::close);
    }
}
