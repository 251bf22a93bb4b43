package dev.dotgate.upstream;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Queries in flight on one upstream connection, by the ID they were sent with. IDs are drawn from a
 * cryptographic generator ({@link QueryRandom}), so an off-path attacker cannot predict them; an ID
 * whose query timed out stays quarantined for a while, so a late answer cannot be taken for a newer query's.
 * Not thread-safe: used only from its connection's event loop.
 */
final class InflightTable {
    private static final class Entry {
        final UpstreamQuery query; // null for a quarantined ID
        final long sinceNanos;    // sent at, or quarantined at

        Entry(UpstreamQuery query, long sinceNanos) {
            this.query = query;
            this.sinceNanos = sinceNanos;
        }
    }

    /** Largest number of IDs (live or quarantined) used at once; leaves room for random draws to succeed. */
    static final int MAX_IDS = 60_000;

    private final IntObjectHashMap<Entry> entries = new IntObjectHashMap<>();
    private int live;

    int live() {
        return live;
    }

    boolean full() {
        return entries.size() >= MAX_IDS;
    }

    /** Adds {@code query} under a fresh random ID and returns it; -1 when the ID space is exhausted. */
    int add(UpstreamQuery query, long nowNanos) {
        if (full()) {
            return -1;
        }
        QueryRandom random = QueryRandom.current();
        int id;
        do {
            id = random.nextId();
        } while (entries.containsKey(id));
        entries.put(id, new Entry(query, nowNanos));
        live++;
        return id;
    }

    /** The query waiting under {@code id}, or null when none is (unknown or quarantined). */
    UpstreamQuery get(int id) {
        Entry e = entries.get(id);
        return e == null ? null : e.query;
    }

    boolean quarantined(int id) {
        Entry e = entries.get(id);
        return e != null && e.query == null;
    }

    /** Removes a live entry after its answer arrived. */
    void remove(int id) {
        Entry e = entries.remove(id);
        if (e != null && e.query != null) {
            live--;
        }
    }

    /**
     * Takes out, quarantining their IDs, the queries still waiting after {@code silentNanos} that were sent after
     * {@code lastAnswerNanos} (nothing at all has come back since they left): for the caller to retry elsewhere.
     */
    List<UpstreamQuery> takeUnanswered(long nowNanos, long silentNanos, long lastAnswerNanos) {
        List<Integer> ids = null;
        for (IntObjectMap.PrimitiveEntry<Entry> pe : entries.entries()) {
            Entry e = pe.value();
            if (e.query != null && !e.query.isDone() && nowNanos - e.sinceNanos > silentNanos
                    && e.sinceNanos - lastAnswerNanos > 0) {
                if (ids == null) {
                    ids = new ArrayList<>();
                }
                ids.add(pe.key());
            }
        }
        if (ids == null) {
            return List.of();
        }
        List<UpstreamQuery> out = new ArrayList<>(ids.size());
        for (int id : ids) {
            out.add(entries.put(id, new Entry(null, nowNanos)).query);
            live--;
        }
        return out;
    }

    /**
     * Moves entries older than {@code timeoutNanos} to quarantine, frees quarantined IDs older than
     * {@code quarantineNanos}, and returns the send time of the oldest live entry (or {@code nowNanos}).
     * Returns the number of live entries that expired through {@code expired}.
     */
    long sweep(long nowNanos, long timeoutNanos, long quarantineNanos, int[] expired) {
        long oldest = nowNanos;
        int count = 0;
        Iterator<IntObjectMap.PrimitiveEntry<Entry>> it = entries.entries().iterator();
        List<Integer> toQuarantine = null;
        while (it.hasNext()) {
            IntObjectMap.PrimitiveEntry<Entry> pe = it.next();
            Entry e = pe.value();
            long age = nowNanos - e.sinceNanos;
            if (e.query == null) {
                if (age > quarantineNanos) {
                    it.remove();
                }
            } else if (age > timeoutNanos || e.query.isDone()) {
                if (toQuarantine == null) {
                    toQuarantine = new ArrayList<>();
                }
                toQuarantine.add(pe.key());
            } else if (e.sinceNanos - oldest < 0) {
                oldest = e.sinceNanos;
            }
        }
        if (toQuarantine != null) {
            for (int id : toQuarantine) {
                entries.put(id, new Entry(null, nowNanos));
                live--;
                count++;
            }
        }
        expired[0] = count;
        return oldest;
    }

    /** Removes and returns every live query, e.g. when the connection closed. */
    List<UpstreamQuery> drain() {
        List<UpstreamQuery> out = new ArrayList<>(live);
        for (Entry e : entries.values()) {
            if (e.query != null) {
                out.add(e.query);
            }
        }
        entries.clear();
        live = 0;
        return out;
    }
}
