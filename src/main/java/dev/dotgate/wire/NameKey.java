package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * A domain name as a key: its wire form (length-prefixed labels and the root byte, no compression) with ASCII
 * letters lower-cased (RFC 4343), and a hash computed once, as dnsjava's {@code Name} keeps wire bytes and a cached
 * hash. Immutable; one array per key, nothing decoded to text.
 *
 * <p>This is the one form a name takes as a key in the gateway, and the functions here are the only ones that make
 * or compare it:
 * <ul>
 *   <li>local records ({@code policy.local}) are filed and looked up by {@code NameKey};</li>
 *   <li>the cache's {@code CacheKey} starts with the same bytes, written by {@link #copyLowerCase} and compared by
 *       {@link #matches}: it keeps name, type, class and EDNS state in one array (one allocation per query and
 *       per entry, which {@code AnswerCacheMemoryTest} measures) instead of holding a {@code NameKey};</li>
 *   <li>{@link DomainSet} (block, allow and forwarding zones) stores the same bytes without the root byte, encoded
 *       from list text by {@link #encode}.</li>
 * </ul>
 *
 * <p>Clients choose the names looked up, so the hash is {@link SipHash#seeded}, and keys are {@link Comparable}
 * (unsigned bytes, lexicographic) so that a hash map bucket that fills up anyway becomes a tree.
 */
public final class NameKey implements Comparable<NameKey> {
    /** Per ASCII char: whether {@link #encode} takes it (letters, digits, '-', and '_' which real lists contain). */
    private static final boolean[] NAME_CHAR = new boolean[128];
    /** The longest name {@link #encode} takes, in characters without the trailing dot. */
    static final int MAX_TEXT_LENGTH = 253;
    static final int MAX_LABEL = 63;

    static {
        for (int c = 0; c < 128; c++) {
            NAME_CHAR[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
        }
    }

    private final byte[] bytes;
    private final int hash;

    private NameKey(byte[] lowerCased) {
        this.bytes = lowerCased;
        this.hash = SipHash.seeded(lowerCased);
    }

    /**
     * The key of the uncompressed wire name {@code wire} (for example dnsjava's {@code Name.toWireCanonical()}).
     * Takes the array over: it is lower-cased in place and kept.
     */
    public static NameKey ofWire(byte[] wire) {
        for (int k = 0; k < wire.length; k++) {
            wire[k] = (byte) Names.toLower(wire[k]);
        }
        return new NameKey(wire);
    }

    /**
     * The key of the question name of {@code query}, which {@code info} describes as OK. Borrows {@code query}: moves
     * no indexes.
     */
    public static NameKey ofQuestion(ByteBuf query, QueryInfo info) {
        byte[] b = new byte[info.questionEnd() - Dns.HEADER_LENGTH - 4];
        copyLowerCase(query, query.readerIndex() + Dns.HEADER_LENGTH, b, 0, b.length);
        return new NameKey(b);
    }

    /** Length of the name in wire form, the root byte included. */
    public int length() {
        return bytes.length;
    }

    /**
     * Copies {@code length} bytes of a wire-form name from {@code buf} at {@code index} into {@code dst} at
     * {@code dstIndex}, ASCII letters lower-cased (label lengths are at most 63, below 'A', so they pass unchanged).
     * Borrows {@code buf}: does not move its indexes.
     */
    public static void copyLowerCase(ByteBuf buf, int index, byte[] dst, int dstIndex, int length) {
        buf.getBytes(index, dst, dstIndex, length);
        for (int k = dstIndex; k < dstIndex + length; k++) {
            dst[k] = (byte) Names.toLower(dst[k]);
        }
    }

    /**
     * Whether the {@code length} bytes of {@code buf} at {@code index} are, ASCII case-insensitively, the
     * lower-cased name bytes {@code lower[lowerIndex, lowerIndex + length)}. Borrows {@code buf}: does not move its
     * indexes.
     */
    public static boolean matches(ByteBuf buf, int index, byte[] lower, int lowerIndex, int length) {
        for (int k = 0; k < length; k++) {
            if (Names.toLower(buf.getByte(index + k)) != lower[lowerIndex + k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the dotted name {@code s[start, end)} as a lower-cased wire name without the root byte into
     * {@code out} (at least 255 bytes) and returns its length, or -1 when it is not a valid name: empty label, label
     * over 63 bytes, more than 253 characters, characters other than letters, digits, '-' and '_'. One trailing dot
     * is allowed. Allocates nothing.
     */
    public static int encode(CharSequence s, int start, int end, byte[] out) {
        if (end > start && s.charAt(end - 1) == '.') {
            end--;
        }
        int textLength = end - start;
        if (textLength <= 0 || textLength > MAX_TEXT_LENGTH) {
            return -1;
        }
        int lenAt = 0;
        int w = 1;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                int len = w - lenAt - 1;
                if (len == 0) {
                    return -1;
                }
                out[lenAt] = (byte) len;
                lenAt = w++;
                continue;
            }
            if (c >= 128 || !NAME_CHAR[c]) {
                return -1;
            }
            if (w - lenAt - 1 == MAX_LABEL) {
                return -1;
            }
            out[w++] = (byte) Names.toLower(c);
        }
        int len = w - lenAt - 1;
        if (len == 0) {
            return -1;
        }
        out[lenAt] = (byte) len;
        return w;
    }

    /** Dotted text of the lower-cased wire name {@code b[index, index + length)}, for logs and test failures. */
    public static String toText(byte[] b, int index, int length) {
        ByteBuf buf = Unpooled.wrappedBuffer(b);
        try {
            return Names.toText(buf, index, index + length);
        } finally {
            buf.release();
        }
    }

    /** Unsigned bytes, lexicographic; consistent with {@link #equals}. */
    @Override
    public int compareTo(NameKey other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NameKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The name as dotted text ("." for the root). */
    @Override
    public String toString() {
        return toText(bytes, 0, bytes.length);
    }
}
