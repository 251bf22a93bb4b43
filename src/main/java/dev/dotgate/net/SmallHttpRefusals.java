package dev.dotgate.net;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link SmallHttpServer} turned away, by reason: every connection it closed or request it refused for
 * breaking one of its limits. Thread-safe.
 */
public final class SmallHttpRefusals {
    /** Why a connection was closed or a request refused. */
    public enum Reason {
        /** More than {@link SmallHttpServer#MAX_CONNECTIONS} open connections: closed at accept. */
        CONNECTION_LIMIT,
        /** More than {@link SmallHttpServer#MAX_CONNECTIONS_PER_ADDRESS} from one address: closed at accept. */
        ADDRESS_LIMIT,
        /** A request head not complete within {@link SmallHttpServer#HEAD_TIMEOUT}: closed. */
        HEAD_TIMEOUT,
        /** A response not taken by the client within {@link SmallHttpServer#WRITE_TIMEOUT}: closed. */
        WRITE_TIMEOUT,
        /** A request line longer than {@link SmallHttpServer#MAX_INITIAL_LINE}: 414, closed. */
        LINE_TOO_LONG,
        /** Request headers larger than {@link SmallHttpServer#MAX_HEADER_SIZE}: 431, closed. */
        HEADERS_TOO_LARGE,
        /** A request with a body: 413, closed. */
        BODY,
        /** More than {@link SmallHttpServer#MAX_PIPELINED} requests sent ahead of their answers: closed. */
        PIPELINED,
        /** A request Netty's decoder cannot read: 400, closed. */
        MALFORMED;

        /** The label value, e.g. {@code head_timeout}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);

    public SmallHttpRefusals() {
        for (Reason r : Reason.values()) {
            counts.put(r, new LongAdder());
        }
    }

    void count(Reason reason) {
        counts.get(reason).increment();
    }

    /** The counter of {@code reason}. */
    public LongAdder counter(Reason reason) {
        return counts.get(reason);
    }

    /** The total over every reason. */
    public long total() {
        long sum = 0;
        for (LongAdder a : counts.values()) {
            sum += a.sum();
        }
        return sum;
    }

    /** The non-zero counts as {@code "2 head_timeout, 1 address_limit"}, or "" when nothing was refused. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        counts.forEach((r, a) -> {
            long n = a.sum();
            if (n != 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(n).append(' ').append(r.label());
            }
        });
        return sb.toString();
    }
}
