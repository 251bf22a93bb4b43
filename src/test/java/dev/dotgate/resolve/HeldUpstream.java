package dev.dotgate.resolve;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamCounters;
import dev.dotgate.upstream.UpstreamHealth;
import dev.dotgate.upstream.UpstreamQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * An upstream that holds what it is sent for the test to answer or lose, through the {@link UpstreamQuery} the
 * forwarding stage hands it: the seam itself, with no network behind it.
 */
final class HeldUpstream implements Upstream {
    final String name;
    final List<UpstreamQuery> sent = new ArrayList<>();
    final UpstreamCounters counters = new UpstreamCounters();
    final UpstreamHealth health;
    boolean available = true;

    HeldUpstream(String name) {
        this.name = name;
        this.health = new UpstreamHealth(name, counters);
    }

    @Override
    public UpstreamHealth health() {
        return health;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean available() {
        return available;
    }

    @Override
    public void send(UpstreamQuery query) {
        counters.queries.increment();
        sent.add(query);
    }

    @Override
    public UpstreamCounters counters() {
        return counters;
    }

    @Override
    public void close() {
    }

    UpstreamQuery last() {
        return sent.get(sent.size() - 1);
    }
}
