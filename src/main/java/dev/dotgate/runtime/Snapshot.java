package dev.dotgate.runtime;

import dev.dotgate.cache.AnswerCache;
import dev.dotgate.cache.CacheOptions;
import dev.dotgate.cache.CachingResolver;
import dev.dotgate.config.ForwardZone;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.UpstreamOptions;
import dev.dotgate.config.UpstreamSpec;
import dev.dotgate.config.ConfigException;
import dev.dotgate.upstream.bootstrap.BootstrapException;
import java.net.InetSocketAddress;
import dev.dotgate.discovery.DesignatedResolver;
import dev.dotgate.dnssec.DnssecStage;
import dev.dotgate.dnssec.RootAnchors;
import dev.dotgate.dnssec.TrustAnchors;
import dev.dotgate.observe.events.EventSink;
import dev.dotgate.observe.events.EventSinks;
import dev.dotgate.policy.AccessResolver;
import dev.dotgate.policy.Policy;
import dev.dotgate.policy.PolicyLoader;
import dev.dotgate.policy.PolicyResolver;
import dev.dotgate.policy.local.LocalRecords;
import dev.dotgate.resolve.ForwardingResolver;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Routes;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.upstream.UpstreamCounters;
import dev.dotgate.upstream.UpstreamFactories;
import dev.dotgate.upstream.UpstreamGroup;
import dev.dotgate.upstream.UpstreamSetup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Record;

/**
 * One immutable state of a running gateway, made from one configuration: the policy, the routes and their
 * upstreams, the cache, the resolver chain over them (access, policy, cache, forwarding), the event sink and the
 * DDR records of the bound listeners. The gateway serves from exactly one snapshot at a time, held in one
 * {@code AtomicReference}; a reload {@link #build builds} the next one and swaps it in, a list refresh swaps in
 * {@link #withPolicy a copy with the new lists}. Queries read the snapshot once, when they enter the chain, and
 * finish on the one they started with.
 *
 * <p>Made only by {@link #build}, which keeps from {@code previous} what did not change: an upstream whose
 * {@link UpstreamSetup} is equal (with its connections), the answer cache when the cache settings are equal, the
 * event sink when its settings are equal. What the new snapshot no longer uses is given back by
 * {@link #retire}: upstreams close after the query timeout, a replaced sink closes with its totals kept.
 */
public final class Snapshot {
    private final Services services;
    private final GatewayConfig config;
    private final Policy policy;
    private final Routes routes;
    /** Every upstream of {@link #routes} by its setup, in the order of the configuration. */
    private final Map<UpstreamSetup, Upstream> upstreams;
    /** The cache step, or null when the cache is off. */
    private final CachingResolver caching;
    /** The DNSSEC stage, or null in {@code process} mode. */
    private final DnssecStage dnssec;
    /** What comes after the policy stages: the cache, or forwarding when the cache is off. */
    private final Resolver afterPolicy;
    private final Resolver chain;
    private final EventSink events;
    private final List<Record> discovery;

    private Snapshot(Services services, GatewayConfig config, Policy policy, Routes routes,
            Map<UpstreamSetup, Upstream> upstreams, CachingResolver caching, DnssecStage dnssec, Resolver afterPolicy,
            EventSink events, List<Record> discovery) {
        this.services = services;
        this.config = config;
        this.policy = policy;
        this.routes = routes;
        this.upstreams = upstreams;
        this.caching = caching;
        this.dnssec = dnssec;
        this.afterPolicy = afterPolicy;
        this.events = events;
        this.discovery = discovery;
        this.chain = new AccessResolver(() -> policy, services.stats().refusedAcl,
                new PolicyResolver(() -> policy, afterPolicy));
    }

    /**
     * The snapshot for {@code config}, keeping from {@code previous} (null at start) every part whose settings
     * did not change; {@code previous} itself keeps serving unchanged until the result is swapped in and
     * {@code previous.retire(result)} is called. The one exception: when the event sink's file stays the same but
     * its other settings change, the old sink is closed before the new one opens, so two writers never append to
     * one file. Throws, having built nothing that needs closing, when the policy (access lists, allowlist,
     * blocklists, local records) or the event sink cannot be loaded.
     */
    public static Snapshot build(GatewayConfig config, Snapshot previous, Services services) throws IOException {
        List<Record> discovery = previous == null ? List.of() : previous.discovery;
        Policy policy = withDiscovery(PolicyLoader.load(config.policy(), config.dataDir()), config, discovery);
        Map<UpstreamSetup, Upstream> upstreams = new LinkedHashMap<>();
        int udpSize = config.limits().upstreamUdpSize();
        Map<UpstreamSetup, Upstream> running = previous == null ? Map.of() : previous.upstreams;
        UpstreamGroup dflt;
        Map<String, UpstreamGroup> zones = new LinkedHashMap<>();
        EventSink events;
        try {
            List<InetSocketAddress> bootstrap = BootstrapServers.of(config);
            dflt = group(config.upstream().servers(), config.upstream(), udpSize, bootstrap, running, upstreams,
                    services);
            for (ForwardZone z : config.forwards()) {
                zones.put(z.zone(), group(z.servers(), config.upstream(), udpSize, bootstrap, running, upstreams,
                        services));
            }
            events = events(config, previous, services);
        } catch (IOException | RuntimeException e) {
            for (Map.Entry<UpstreamSetup, Upstream> made : upstreams.entrySet()) {
                if (running.get(made.getKey()) != made.getValue()) {
                    made.getValue().close(); // made for this snapshot, which is not to be
                }
            }
            throw e;
        }
        Routes routes = Routes.of(dflt, zones);
        Resolver forwarding = new ForwardingResolver(() -> routes, config.upstream().timeout(),
                services.stats().queryCounters);
        DnssecStage dnssec = null;
        if (!config.dnssec().mode().equals("process")) {
            dnssec = new DnssecStage(config.dnssec(), anchors(config, services), forwarding,
                    config.upstream().timeout(), services.dnssecCounters());
            forwarding = dnssec;
        }
        CachingResolver caching = null;
        if (config.cache().enabled()) {
            AnswerCache cache = previous != null && previous.caching != null
                    && previous.config.cache().equals(config.cache())
                    // answers kept under other DNSSEC settings (unvalidated, other anchors) are not reused
                    && previous.config.dnssec().equals(config.dnssec())
                    ? previous.caching.cache()
                    : new AnswerCache(CacheOptions.of(config.cache()), services.cacheTicker(),
                            services.cacheCounters());
            // Queries waiting on another's upstream answer wait as long as it may take: validated, up to the
            // upstream timeout plus the chain's two.
            long wait = config.upstream().timeout().toMillis() * (config.dnssec().validates() ? 3 : 1);
            caching = new CachingResolver(cache, forwarding, wait, services.stats().queryCounters);
        }
        return new Snapshot(services, config, policy, routes, Collections.unmodifiableMap(upstreams), caching,
                dnssec, caching != null ? caching : forwarding, events, discovery);
    }

    /**
     * The trust anchors {@code config} names: its files (read again at each reload), or the root's, kept current
     * (RFC 5011) in the data directory (only when validating: {@code off} needs none).
     */
    private static TrustAnchors anchors(GatewayConfig config, Services services) throws IOException {
        List<String> files = config.dnssec().trustAnchors();
        if (!files.isEmpty()) {
            return TrustAnchors.of(files.stream().map(java.nio.file.Path::of).toList());
        }
        if (!config.dnssec().validates()) {
            return TrustAnchors.builtIn();
        }
        try {
            return services.rootAnchors().in(config.dataDir()).anchors();
        } catch (IOException e) {
            throw new IOException("dnssec: cannot keep the root trust anchors in " + config.dataDir().resolve(
                    RootAnchors.FILE) + ": " + e.getMessage() + " (remove the file to start again from the "
                    + "built-in ones, or name your own in dnssec.trust_anchors)", e);
        }
    }

    /** The DNSSEC stage of this snapshot, or null in {@code process} mode. */
    public DnssecStage dnssec() {
        return dnssec;
    }

    /** This snapshot with {@code next} as its policy (a list refresh): the same routes, cache and sink. */
    public Snapshot withPolicy(Policy next) {
        return new Snapshot(services, config, Objects.requireNonNull(next, "policy"), routes, upstreams, caching,
                dnssec, afterPolicy, events, discovery);
    }

    /**
     * This snapshot answering {@code _dns.resolver.arpa} SVCB (RFC 9462) for the bound {@code dot}, {@code doh}
     * and {@code doq} listeners under {@code serverName}, so clients asking on plain DNS upgrade; later builds keep
     * the records. Itself when there is none.
     */
    public Snapshot withDiscovery(String serverName, List<InetSocketAddress> dot, List<InetSocketAddress> doh,
            List<InetSocketAddress> doq) {
        if (dot.isEmpty() && doh.isEmpty() && doq.isEmpty()) {
            return this;
        }
        List<Record> records = DesignatedResolver.records(serverName, dot, doh, doq);
        return new Snapshot(services, config, withDiscovery(policy, config, records), routes, upstreams, caching,
                dnssec, afterPolicy, events, List.copyOf(records));
    }

    private static Policy withDiscovery(Policy p, GatewayConfig config, List<Record> records) {
        return records.isEmpty() ? p : p.withLocal(LocalRecords.parse(config.policy().local(), records));
    }

    /** The running sink when its settings are the same, else a new one (see {@link #build} for the same file). */
    private static EventSink events(GatewayConfig config, Snapshot previous, Services services) throws IOException {
        String file = config.observe().events();
        int queue = config.observe().eventsQueue();
        if (previous == null) {
            return EventSinks.open(file, queue);
        }
        GatewayConfig was = previous.config;
        if (file.equals(was.observe().events())) {
            if (queue == was.observe().eventsQueue()) {
                return previous.events;
            }
            retireEvents(previous.events, services); // same file: never two writers appending to it at once
        }
        return EventSinks.open(file, queue);
    }

    private static UpstreamGroup group(List<UpstreamSpec> specs, UpstreamOptions options, int udpSize,
            List<InetSocketAddress> bootstrap, Map<UpstreamSetup, Upstream> running,
            Map<UpstreamSetup, Upstream> kept, Services services) {
        List<Upstream> list = new ArrayList<>();
        for (UpstreamSpec spec : specs) {
            // Same URI and same connection settings: the running upstream (and its connections) carries on.
            UpstreamSetup setup = UpstreamSetup.of(spec, options, udpSize, bootstrap);
            Upstream u = kept.get(setup);
            if (u == null) {
                u = running.get(setup);
                if (u == null) {
                    u = create(setup, services);
                }
                kept.put(setup, u);
            }
            if (!list.contains(u)) {
                list.add(u);
            }
        }
        return new UpstreamGroup(list, UpstreamGroup.Strategy.of(options.strategy()), options.hedging());
    }

    private static Upstream create(UpstreamSetup setup, Services services) {
        String name = setup.spec().label();
        boolean known = services.metrics().hasUpstream(name);
        UpstreamCounters counters = services.metrics().upstream(name).counters();
        if (!known) {
            // Summed over the snapshot serving at the time of reading: an upstream's meters outlive its objects.
            services.metrics().upstream(name).openConnections(() -> {
                Snapshot now = services.running().get();
                return now == null ? 0 : now.upstreams.values().stream().filter(u -> u.name().equals(name))
                        .mapToInt(Upstream::openConnections).sum();
            });
            services.metrics().upstream(name).health(() -> {
                Snapshot now = services.running().get();
                return now == null ? null : now.upstreams.values().stream().filter(u -> u.name().equals(name))
                        .map(Upstream::health).findFirst().orElse(null);
            });
        }
        Upstream made;
        try {
            made = services.upstreams().create(setup, counters);
        } catch (BootstrapException e) {
            throw ConfigException.of("upstream.servers", setup.spec().label(), e.getMessage());
        } catch (UpstreamFactories.UnknownSchemeException e) {
            throw ConfigException.of("upstream.servers", setup.spec().label(), e.getMessage());
        }
        made.warm(); // its first connection opens now, not with the first query
        return made;
    }

    /**
     * Gives back what {@code next}, swapped in for this snapshot, no longer uses: upstreams close once the queries
     * already sent to them had the full timeout to be answered; a replaced event sink closes, its totals kept in
     * {@link Services}.
     */
    public void retire(Snapshot next) {
        Set<Upstream> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(next.upstreams.values());
        List<Upstream> retired = new ArrayList<>();
        for (Upstream u : upstreams.values()) {
            if (!kept.contains(u)) {
                retired.add(u);
            }
        }
        if (!retired.isEmpty()) {
            long grace = next.config.upstream().timeout().toMillis() + 500;
            services.group().next().schedule(() -> retired.forEach(Upstream::close), grace, TimeUnit.MILLISECONDS);
        }
        if (next.events != events && !next.config.observe().events().equals(config.observe().events())) {
            retireEvents(events, services); // the same file was handed over in build, before the new one opened
        }
    }

    /** Closes a replaced event sink, keeping its totals. */
    private static void retireEvents(EventSink old, Services services) {
        old.close();
        services.eventsWritten().add(old.written());
        services.eventsDropped().add(old.dropped());
    }

    /** Closes every upstream and the event sink: the gateway is stopping. */
    public void close() {
        upstreams.values().forEach(Upstream::close);
        events.close();
    }

    public GatewayConfig config() {
        return config;
    }

    public Policy policy() {
        return policy;
    }

    public Routes routes() {
        return routes;
    }

    /** Every upstream this snapshot routes to, by its setup. */
    public Map<UpstreamSetup, Upstream> upstreams() {
        return upstreams;
    }

    /** The cache step, or null when the cache is off. */
    public CachingResolver caching() {
        return caching;
    }

    /** Access, policy, then the cache (unless off), then forwarding. */
    public Resolver chain() {
        return chain;
    }

    public EventSink events() {
        return events;
    }

    /** The DDR records served besides the local records (empty before the listeners are bound). */
    public List<Record> discovery() {
        return discovery;
    }

    /** Events written, by this snapshot's sink and the ones closed before it. */
    public long eventsWritten() {
        return services.eventsWritten().sum() + events.written();
    }

    /** Events dropped, by this snapshot's sink and the ones closed before it. */
    public long eventsDropped() {
        return services.eventsDropped().sum() + events.dropped();
    }
}
