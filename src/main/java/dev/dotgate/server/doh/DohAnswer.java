package dev.dotgate.server.doh;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.AnswerTtls;
import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;

/** The HTTP side of a DoH answer: its freshness (RFC 8484 section 5.1). */
final class DohAnswer {
    static final AsciiString MEDIA_TYPE = AsciiString.cached(DohRequest.MEDIA_TYPE);
    static final AsciiString NO_STORE = AsciiString.cached("no-store");
    private static final int CACHED = 301;
    private static final AsciiString[] MAX_AGE = new AsciiString[CACHED];

    static {
        for (int i = 0; i < CACHED; i++) {
            MAX_AGE[i] = AsciiString.cached("max-age=" + i);
        }
    }

    private DohAnswer() {
    }

    /**
     * {@code max-age} of the smallest TTL in the answer ({@link AnswerTtls#min(ByteBuf)}, the walk the cache stores
     * answers by: an authority SOA counts for its negative TTL), so no HTTP cache keeps it longer than DNS would;
     * {@code no-store} for answers with no record to take a TTL from, that cannot be walked, or with an rcode other
     * than NOERROR/NXDOMAIN (a failure must not be cached). Borrows {@code answer}.
     */
    static CharSequence cacheControl(ByteBuf answer) {
        int rcode = Dns.rcode(answer);
        return storable(rcode) ? cacheControl(rcode, AnswerTtls.min(answer)) : NO_STORE;
    }

    /**
     * The same for an answer of {@code rcode} whose {@link AnswerTtls#min()} is {@code minTtl}
     * ({@link AnswerTtls#NONE} without records or when unreadable): for a caller that already has the answer's TTLs
     * and need not walk it again.
     */
    static CharSequence cacheControl(int rcode, long minTtl) {
        if (!storable(rcode) || minTtl == AnswerTtls.NONE) {
            return NO_STORE;
        }
        return minTtl < CACHED ? MAX_AGE[(int) minTtl] : "max-age=" + minTtl;
    }

    private static boolean storable(int rcode) {
        return rcode == Dns.RCODE_NOERROR || rcode == Dns.RCODE_NXDOMAIN;
    }
}
