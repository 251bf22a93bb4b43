package dev.dotgate.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The configured upstreams, taken in turn (round robin) among those that are available; an upstream backing off
 * after failures is skipped while another can serve. Returns null when none can.
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

    public Upstream select() {
        int n = upstreams.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Upstream u = upstreams.get((start + i) % n);
            if (u.available()) {
                return u;
            }
        }
        return null;
    }

    public void close() {
        upstreams.forEach(Upstream::close);
    }
}
