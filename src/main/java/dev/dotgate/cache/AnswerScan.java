package dev.dotgate.cache;

import dev.dotgate.wire.AnswerTtls;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Names;
import io.netty.buffer.ByteBuf;

/**
 * Whether an upstream answer may be cached, read in place: the header and question checks of the cache, then the
 * record walk of {@link AnswerTtls} (TTL offsets, the TTLs as they count, the negative TTL), which DoH's freshness
 * uses too. Does not move the buffer's indexes or take ownership of it.
 */
final class AnswerScan {
    /** Why the answer may not be cached; null when it may. */
    final PutResult problem;
    /** NXDOMAIN, or NOERROR without answers. */
    final boolean negative;
    /** The answer's TTLs; null when {@link #problem} is set. */
    final AnswerTtls ttls;

    private AnswerScan(PutResult problem, boolean negative, AnswerTtls ttls) {
        this.problem = problem;
        this.negative = negative;
        this.ttls = ttls;
    }

    private static AnswerScan rejected(PutResult problem) {
        return new AnswerScan(problem, false, null);
    }

    /** Scans the readable bytes of {@code m} as the answer to the question of {@code key}. */
    static AnswerScan of(ByteBuf m, CacheKey key) {
        int start = m.readerIndex();
        int end = m.writerIndex();
        if (end - start < Dns.HEADER_LENGTH || !Dns.isResponse(m) || Dns.opcode(m) != 0 || Dns.qdcount(m) != 1) {
            return rejected(PutResult.MALFORMED);
        }
        if (Dns.isTruncated(m)) {
            return rejected(PutResult.TRUNCATED);
        }
        int rcode = Dns.rcode(m);
        switch (rcode) {
            case Dns.RCODE_NOERROR, Dns.RCODE_NXDOMAIN -> { }
            case Dns.RCODE_SERVFAIL -> {
                return rejected(PutResult.SERVFAIL);
            }
            case Dns.RCODE_REFUSED -> {
                return rejected(PutResult.REFUSED);
            }
            case Dns.RCODE_FORMERR -> {
                return rejected(PutResult.FORMERR);
            }
            default -> {
                return rejected(PutResult.OTHER_RCODE);
            }
        }
        if (key.matchQuestion(m, start + Dns.HEADER_LENGTH, end) == Names.MALFORMED) {
            int nameEnd = Names.skipUncompressed(m, start + Dns.HEADER_LENGTH, end);
            return nameEnd == Names.MALFORMED || nameEnd + 4 > end
                    ? rejected(PutResult.MALFORMED) : rejected(PutResult.QUESTION_MISMATCH);
        }
        AnswerTtls ttls = AnswerTtls.of(m);
        if (!ttls.readable()) {
            return rejected(PutResult.MALFORMED);
        }
        if (ttls.hasOpt() && !key.edns()) {
            return rejected(PutResult.QUESTION_MISMATCH); // would hand an OPT to a client that did not use EDNS
        }
        return new AnswerScan(null, rcode == Dns.RCODE_NXDOMAIN || Dns.ancount(m) == 0, ttls);
    }
}
