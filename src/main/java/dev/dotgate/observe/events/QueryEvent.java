package dev.dotgate.observe.events;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * What became of one query: exactly one per query the gateway received, answered or not. Written as the
 * {@code data} of a CloudEvent by {@link JsonLinesSink}; see there for the field names.
 *
 * @param timeMicros    when the query arrived, microseconds since the epoch (see {@link #nowMicros()})
 * @param client        who sent it
 * @param transport     how it arrived
 * @param name          the question name in text form with the trailing dot; null when it could not be read
 * @param qtype         the question type; negative when it could not be read (then omitted)
 * @param rcode         the response code sent back, or {@link #NO_RCODE} when nothing was sent (a dropped UDP
 *                      datagram, a stream closed on an unframeable message)
 * @param decision      what the gateway decided
 * @param reason        why, when the decision needs one: the blocklist's name, "acl", "allowlist", an error; or null
 * @param upstream      the upstream that answered or was tried last; or null
 * @param latencyMicros from arrival to the answer being handed to the transport (or to the drop)
 * @param ede           the INFO-CODE of the answer's Extended DNS Error (RFC 8914), the gateway's or an
 *                      upstream's, or {@link #NO_EDE}
 */
public record QueryEvent(long timeMicros, InetSocketAddress client, Transport transport, String name, int qtype,
        int rcode, Decision decision, String reason, String upstream, long latencyMicros, int ede) {

    /** {@link #ede} when the answer carries none. */
    public static final int NO_EDE = -1;

    /** An event whose answer carries no extended error (or that got no answer). */
    public QueryEvent(long timeMicros, InetSocketAddress client, Transport transport, String name, int qtype,
            int rcode, Decision decision, String reason, String upstream, long latencyMicros) {
        this(timeMicros, client, transport, name, qtype, rcode, decision, reason, upstream, latencyMicros, NO_EDE);
    }

    /** {@link #rcode} when no response was sent back. */
    public static final int NO_RCODE = -1;

    /** The current time in microseconds since the epoch, for {@link #timeMicros}. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** {@link #timeMicros} as an instant. */
    public Instant time() {
        return Instant.ofEpochSecond(Math.floorDiv(timeMicros, 1_000_000L),
                Math.floorMod(timeMicros, 1_000_000L) * 1_000L);
    }
}
