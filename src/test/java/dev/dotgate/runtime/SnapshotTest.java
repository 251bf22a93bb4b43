package dev.dotgate.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.it.Eventually;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.Stats;
import dev.dotgate.observe.metrics.Metrics;
import dev.dotgate.tls.ClientTls;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamCounters;
import dev.dotgate.upstream.UpstreamFactories;
import dev.dotgate.upstream.UpstreamQuery;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Snapshot#build} on real parts: the standard upstream factories on a real event loop (the upstreams are
 * made, not connected: nothing is sent), the real policy loader and answer cache. Each upstream made is wrapped to
 * see when it is closed.
 */
class SnapshotTest {
    @TempDir
    Path tmp;

    private EventLoopGroup group;
    private Services services;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final List<Upstream> made = new ArrayList<>();
    private final Set<Upstream> closed = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void services() throws Exception {
        group = Transports.newGroup(1, "snapshot-test");
        Stats stats = new Stats();
        UpstreamFactories standard = UpstreamFactories.standard(group, ClientTls.context(null), stats.upstreamTotals);
        UpstreamFactories watched = UpstreamFactories.of(watch("tcp", standard), watch("udp", standard),
                watch("tls", standard));
        services = Services.of(group, stats, new Metrics(false), watched, Ticker.systemTicker(), current::get);
    }

    @AfterEach
    void close() {
        Snapshot s = current.get();
        if (s != null) {
            s.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void anUnchangedConfigKeepsEveryUpstreamTheCacheAndTheSink() throws Exception {
        GatewayConfig cfg = config("tcp://127.0.0.1:1", "udp://127.0.0.1:2", "[cache]\nmax_entries = 100\n");
        Snapshot first = swap(Snapshot.build(cfg, null, services));
        Snapshot second = Snapshot.build(config("tcp://127.0.0.1:1", "udp://127.0.0.1:2",
                "[cache]\nmax_entries = 100\n"), first, services);
        swap(second);
        first.retire(second);

        assertThat(made).hasSize(2);
        assertThat(second.upstreams().values()).containsExactlyElementsOf(first.upstreams().values());
        assertThat(second.routes().defaultGroup().all()).containsExactlyElementsOf(
                first.routes().defaultGroup().all());
        assertThat(second.caching()).isNotNull().isNotSameAs(first.caching());
        assertThat(second.caching().cache()).isSameAs(first.caching().cache());
        assertThat(second.events()).isSameAs(first.events());
        assertThat(second.chain()).isNotSameAs(first.chain());
        // One event loop: a close scheduled by retire (timeout + 500 ms) would run before this probe.
        group.next().schedule(() -> { }, cfg.upstream().timeout().toMillis() + 700, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly();
        assertThat(closed).isEmpty();
    }

    @Test
    void aChangedUpstreamIsMadeAnewAndTheOldOneRetiredAfterTheTimeout() throws Exception {
        Snapshot first = swap(Snapshot.build(config("tcp://127.0.0.1:1", "udp://127.0.0.1:2", ""), null,
                services));
        Upstream tcp = first.routes().defaultGroup().all().get(0);
        Upstream udp = first.routes().defaultGroup().all().get(1);
        Snapshot second = Snapshot.build(config("tcp://127.0.0.1:1", "udp://127.0.0.1:3", ""), first, services);
        swap(second);
        long retiredAt = System.nanoTime();
        first.retire(second);

        assertThat(made).hasSize(3);
        List<Upstream> now = second.routes().defaultGroup().all();
        assertThat(now.get(0)).isSameAs(tcp);
        assertThat(now.get(1)).isNotSameAs(udp).isSameAs(made.get(2));
        assertThat(now.get(1).name()).isEqualTo("udp://127.0.0.1:3");
        assertThat(closed).as("closed at once: queries in flight would be lost").isEmpty();
        Eventually.until(() -> closed.contains(udp), Duration.ofSeconds(5), "the retired upstream closed");
        assertThat(Duration.ofNanos(System.nanoTime() - retiredAt)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
        assertThat(closed).containsExactly(udp);
        // Same cache settings: the cache is kept (the gateway empties it, as its answers came from other upstreams).
        assertThat(second.caching().cache()).isSameAs(first.caching().cache());
    }

    @Test
    void aChangedCacheSettingMakesANewCacheCountingIntoTheSameCounters() throws Exception {
        Snapshot first = swap(Snapshot.build(config("tcp://127.0.0.1:1", null, "[cache]\nmax_entries = 100\n"),
                null, services));
        Snapshot second = Snapshot.build(config("tcp://127.0.0.1:1", null, "[cache]\nmax_entries = 200\n"),
                first, services);
        swap(second);
        first.retire(second);
        assertThat(second.caching().cache()).isNotSameAs(first.caching().cache());
        assertThat(second.upstreams().values()).containsExactlyElementsOf(first.upstreams().values());

        Snapshot off = Snapshot.build(config("tcp://127.0.0.1:1", null, "[cache]\nenabled = false\n"), second,
                services);
        assertThat(off.caching()).isNull();
        Snapshot on = Snapshot.build(config("tcp://127.0.0.1:1", null, "[cache]\nmax_entries = 200\n"), off,
                services);
        assertThat(on.caching().cache()).as("a cache turned off and on again starts empty")
                .isNotSameAs(second.caching().cache());
        services.cacheCounters().hits.increment();
        assertThat(services.cacheCounters().hits.sum()).isEqualTo(1);
    }

    @Test
    void aNewPolicyKeepsRoutesCacheAndSink() throws Exception {
        Snapshot first = swap(Snapshot.build(config("tcp://127.0.0.1:1", null, ""), null, services));
        Snapshot refreshed = first.withPolicy(first.policy().withBlocklists(null));
        assertThat(refreshed.routes()).isSameAs(first.routes());
        assertThat(refreshed.caching()).isSameAs(first.caching());
        assertThat(refreshed.events()).isSameAs(first.events());
        assertThat(refreshed.chain()).isNotSameAs(first.chain());
        assertThat(refreshed.config()).isSameAs(first.config());
    }

    private Snapshot swap(Snapshot s) {
        current.set(s);
        return s;
    }

    private GatewayConfig config(String first, String second, String toml) throws Exception {
        Path f = Files.writeString(tmp.resolve("dotgate.toml"), "[upstream]\ntimeout = \"200ms\"\n" + toml);
        List<String> servers = second == null ? List.of(first) : List.of(first, second);
        return ConfigLoader.load(f, ConfigLoader.Overrides.none().set("data_dir", tmp.resolve("data"))
                .set("upstream.servers", servers));
    }

    /** The standard factory for {@code scheme}, each upstream it makes recorded and its close seen. */
    private dev.dotgate.upstream.UpstreamFactory watch(String scheme, UpstreamFactories standard) {
        return UpstreamFactories.factory(scheme, (setup, counters) -> {
            Upstream real = standard.create(setup, counters);
            Upstream seen = new Upstream() {
                @Override
                public String name() {
                    return real.name();
                }

                @Override
                public boolean available() {
                    return real.available();
                }

                @Override
                public void send(UpstreamQuery query) {
                    real.send(query);
                }

                @Override
                public UpstreamCounters counters() {
                    return real.counters();
                }

                @Override
                public dev.dotgate.upstream.UpstreamHealth health() {
                    return real.health();
                }

                @Override
                public void close() {
                    closed.add(this);
                    real.close();
                }
            };
            made.add(seen);
            return seen;
        });
    }
}
