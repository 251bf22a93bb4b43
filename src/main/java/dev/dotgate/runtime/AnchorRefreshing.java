package dev.dotgate.runtime;

import dev.dotgate.dnssec.DnssecStage;
import dev.dotgate.dnssec.ManagedAnchors;
import dev.dotgate.dnssec.RootAnchors;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The RFC 5011 active refresh of the root's trust anchors ({@link ManagedAnchors}): the root's DNSKEY set is asked
 * through the serving snapshot's validating stage soon after start and then every half of its TTL (at least an
 * hour, at most 15 days, RFC 5011 2.3); a failed refresh is tried again after an hour. Only a validated (AD)
 * answer is observed; when the trusted keys change, the serving stage takes them at once, and every later snapshot
 * reads them from {@link RootAnchors}.
 */
public final class AnchorRefreshing implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AnchorRefreshing.class);
    private static final Duration MIN = Duration.ofHours(1);
    private static final Duration MAX = Duration.ofDays(15);

    private final Supplier<Snapshot> current;
    private final RootAnchors anchors;
    private final EventExecutor loop;
    private volatile ScheduledFuture<?> next;
    private volatile boolean closed;

    private AnchorRefreshing(Supplier<Snapshot> current, RootAnchors anchors, EventLoopGroup group) {
        this.current = current;
        this.anchors = anchors;
        this.loop = group.next();
    }

    /**
     * Refreshes, first after {@code dnssec.anchor_refresh_delay}, whenever the serving snapshot keeps the root
     * anchors (validating with the built-in ones); checks again hourly when it does not.
     */
    public static AnchorRefreshing start(Supplier<Snapshot> current, RootAnchors anchors, EventLoopGroup group) {
        AnchorRefreshing r = new AnchorRefreshing(current, anchors, group);
        Snapshot s = current.get();
        r.schedule(s == null ? MIN : s.config().dnssec().anchorRefreshDelay());
        return r;
    }

    private void schedule(Duration in) {
        if (!closed) {
            next = loop.schedule(this::refresh, in.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void refresh() {
        Snapshot s = current.get();
        ManagedAnchors managed = anchors.loaded();
        DnssecStage stage = s == null ? null : s.dnssec();
        if (managed == null || stage == null || !s.config().dnssec().trustAnchors().isEmpty()
                || !s.config().dnssec().validates()) {
            schedule(MIN); // not keeping the root's anchors now; a reload may change that
            return;
        }
        Message q = Message.newQuery(Record.newRecord(Name.root, Type.DNSKEY, DClass.IN));
        q.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        stage.ask(q, loop, ByteBufAllocator.DEFAULT).whenComplete((m, err) -> {
            if (err != null || !m.getHeader().getFlag(Flags.AD)) {
                log.warn("RFC 5011 refresh of the root trust anchors failed ({}); trying again in an hour",
                        err != null ? err.getMessage() : "the root's DNSKEY set did not validate, rcode "
                                + org.xbill.DNS.Rcode.string(m.getRcode()));
                schedule(MIN);
                return;
            }
            try {
                if (managed.observe(m, Instant.now())) {
                    log.info("root trust anchors changed (RFC 5011): now {}", managed.anchors().records().size());
                    Snapshot serving = current.get();
                    if (serving != null && serving.dnssec() != null
                            && serving.config().dnssec().trustAnchors().isEmpty()) {
                        serving.dnssec().useAnchors(managed.anchors());
                    }
                }
            } catch (IOException e) {
                log.warn("cannot write the root trust anchors: {}", e.getMessage());
            }
            schedule(interval(m));
        });
    }

    /** Half the DNSKEY set's TTL, within [1 h, 15 days]. */
    static Duration interval(Message m) {
        long ttl = 172800;
        for (RRset set : m.getSectionRRsets(Section.ANSWER)) {
            if (set.getType() == Type.DNSKEY) {
                ttl = set.getTTL();
            }
        }
        Duration half = Duration.ofSeconds(ttl / 2);
        return half.compareTo(MIN) < 0 ? MIN : half.compareTo(MAX) > 0 ? MAX : half;
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> n = next;
        if (n != null) {
            n.cancel(false);
        }
    }
}
