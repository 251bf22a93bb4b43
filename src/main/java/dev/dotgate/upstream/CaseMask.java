package dev.dotgate.upstream;

import io.netty.buffer.ByteBuf;

/**
 * DNS 0x20 (draft-vixie-dnsext-dns0x20): the letters of a question name are upper- or lower-cased by the bits of a
 * random mask in the copy sent upstream, and an answer is taken only if its question carries exactly that case.
 * The k-th letter of the name (counting letters only) is upper case when bit {@code k mod 64} of the mask is set.
 * Works on an uncompressed, well-formed wire name in place; label length bytes (at most 63) are never letters.
 */
final class CaseMask {
    private CaseMask() {
    }

    /** Sets the case of each letter of the name at absolute index {@code nameAt} of {@code m} from {@code mask}. */
    static void apply(ByteBuf m, int nameAt, long mask) {
        walk(m, nameAt, mask, true);
    }

    /**
     * Whether every letter of the name at absolute index {@code nameAt} of {@code m} has the case {@code mask} gives
     * it. The name must be known well-formed (the answer's question matched the query's, case aside).
     */
    static boolean echoed(ByteBuf m, int nameAt, long mask) {
        return walk(m, nameAt, mask, false);
    }

    /**
     * The one walk over the letters of the name: {@code write} sets each letter's case from the mask (and answers
     * true); otherwise answers whether each letter already has it, stopping at the first that does not.
     */
    private static boolean walk(ByteBuf m, int nameAt, long mask, boolean write) {
        int k = 0;
        int i = nameAt;
        for (int len = m.getUnsignedByte(i); len != 0; len = m.getUnsignedByte(i)) {
            for (int j = i + 1, end = i + 1 + len; j < end; j++) {
                int c = m.getUnsignedByte(j);
                int lower = c | 0x20;
                if (lower >= 'a' && lower <= 'z') {
                    boolean upper = (mask >>> (k & 63) & 1) != 0;
                    if (write) {
                        m.setByte(j, upper ? lower & ~0x20 : lower);
                    } else if ((c != lower) != upper) {
                        return false;
                    }
                    k++;
                }
            }
            i += len + 1;
        }
        return true;
    }
}
