package dev.dotgate.limits;

import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;

/**
 * Response rate limiting for UDP, in the manner of BIND's RRL: per client prefix, identical responses (the same
 * question and rcode class) beyond {@code rate} a second are not sent; every {@code slip}-th of those goes out as
 * a truncated reply (TC=1, no answer) instead, so a real client behind the address retries over TCP while a
 * spoofed victim of a reflection attack receives little. Works on the answer's bytes, no decode.
 */
public final class ResponseRateLimiter {
    /** What to do with one UDP response. */
    public enum Verdict { SEND, DROP, SLIP }

    private final int rate;
    private final int slip;

    /** {@code rate} 0 turns it off; {@code slip} 0 drops every response over the rate. */
    ResponseRateLimiter(int rate, int slip) {
        this.rate = rate;
        this.slip = slip;
    }

    boolean enabled() {
        return rate > 0;
    }

    /** Judges {@code answer} (borrowed) for {@code state}; {@code questionEnd} from the query's {@code QueryInfo}. */
    Verdict judge(ClientState state, ByteBuf answer, int questionEnd, long nowNanos) {
        int count = state.countResponse(key(answer, questionEnd), nowNanos / 1_000_000_000L);
        if (count <= rate) {
            return Verdict.SEND;
        }
        int over = count - rate;
        return slip > 0 && over % slip == 0 ? Verdict.SLIP : Verdict.DROP;
    }

    /** The question (name case-folded, type, class) and the rcode class (NOERROR, NXDOMAIN, other) as one hash. */
    static int key(ByteBuf answer, int questionEnd) {
        int start = answer.readerIndex();
        int end = Math.min(start + questionEnd, answer.writerIndex());
        int h = 0x811C9DC5;
        for (int i = start + Dns.HEADER_LENGTH; i < end; i++) {
            int b = answer.getByte(i) & 0xFF;
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            h = (h ^ b) * 0x01000193;
        }
        int rcode = Dns.rcode(answer);
        int rcodeClass = rcode == Dns.RCODE_NOERROR ? 0 : rcode == Dns.RCODE_NXDOMAIN ? 1 : 2;
        return (h ^ rcodeClass) * 0x01000193;
    }
}
