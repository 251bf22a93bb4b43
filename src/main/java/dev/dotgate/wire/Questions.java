package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/** Matches an answer to the query it claims to answer, by question (name case-insensitively, type, class). */
public final class Questions {
    private Questions() {
    }

    /**
     * Whether {@code answer} carries the same single question as {@code query}. Neither buffer's indexes move.
     * An answer without a question, or with a compressed or unreadable one, does not match.
     */
    public static boolean sameQuestion(ByteBuf query, ByteBuf answer) {
        int qStart = query.readerIndex() + Dns.HEADER_LENGTH;
        int aStart = answer.readerIndex() + Dns.HEADER_LENGTH;
        if (answer.readableBytes() < Dns.HEADER_LENGTH || Dns.qdcount(answer) != 1) {
            return false;
        }
        int qNameEnd = Names.skipUncompressed(query, qStart, query.writerIndex());
        int aNameEnd = Names.skipUncompressed(answer, aStart, answer.writerIndex());
        if (qNameEnd == Names.MALFORMED || aNameEnd == Names.MALFORMED) {
            return false;
        }
        int length = qNameEnd - qStart;
        if (aNameEnd - aStart != length || aNameEnd + 4 > answer.writerIndex() || qNameEnd + 4 > query.writerIndex()) {
            return false;
        }
        return Names.equalsIgnoreCase(query, qStart, answer, aStart, length)
                && query.getInt(qNameEnd) == answer.getInt(aNameEnd);
    }
}
