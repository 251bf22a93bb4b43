package dev.dotgate.limits;

import dev.dotgate.resolve.Transport;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the client limits held back, by reason and transport: exported as
 * {@code dotgate_rate_limited_total{reason,transport}}. A UDP query dropped, a stream connection closed at
 * accept, or a stream connection paused (reading stops until the client's share allows another query) each
 * count once. Also the RRL answers slipped truncated and the client-table overflows: everything the limits count is
 * here, owned by this package; {@code observe} reads it.
 */
public final class LimitCounters {
    /** Why a client was held back; the label is the event reason and the metric label. */
    public enum Reason {
        /** Over the client's query rate (token bucket). */
        QUERY_RATE,
        /** Over the client's queries in flight. */
        INFLIGHT,
        /** Over the client's concurrent stream connections. */
        CONNECTIONS,
        /** Response rate limiting: an identical UDP answer over the per-second rate, not sent. */
        RRL,
        /** The gateway's buffered bytes (direct memory in use) over {@code limits.max_buffered_bytes}. */
        BUFFERED_BYTES;

        private final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    private static final Transport[] TRANSPORTS = Transport.values();
    /** UDP answers over the response rate sent as a truncated (TC=1) reply instead of being dropped. */
    public final LongAdder rrlSlipped = new LongAdder();
    /**
     * Lookups of a new client while the client table was full: a UDP client shared one of the overflow states, a
     * stream connection got a state of its own.
     */
    public final LongAdder tableOverflow = new LongAdder();
    private final LongAdder[] counts = new LongAdder[Reason.values().length * TRANSPORTS.length];

    public LimitCounters() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void add(Reason reason, Transport transport) {
        counter(reason, transport).increment();
    }

    /** The adder for one label pair, for the metrics. */
    public LongAdder counter(Reason reason, Transport transport) {
        return counts[reason.ordinal() * TRANSPORTS.length + transport.ordinal()];
    }

    public long count(Reason reason, Transport transport) {
        return counter(reason, transport).sum();
    }

    /** Over every transport. */
    public long total(Reason reason) {
        long n = 0;
        for (Transport t : TRANSPORTS) {
            n += count(reason, t);
        }
        return n;
    }
}
