package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;

/** Walks and compares domain names in wire form. Works on absolute indexes; never moves buffer indexes. */
public final class Names {
    /** Returned by {@link #skip} when the name is malformed or runs past the end. */
    public static final int MALFORMED = -1;
    public static final int MAX_NAME_LENGTH = 255;

    private Names() {
    }

    /** {@link #skip}'s {@code messageStart} for a name that must be written out in full: no pointer is valid. */
    public static final int UNCOMPRESSED = -1;

    /**
     * Returns the index just past the name that starts at {@code index}, or {@link #MALFORMED}: a label over 63
     * bytes or of type 01/10, more than 255 bytes, running past {@code end}, or a bad compression pointer. A pointer
     * ends the name (its target is not followed) and must point backwards into the message that starts at
     * {@code messageStart}: after its header and before {@code index} (RFC 1035 4.1.4, a prior occurrence), so the
     * first name of a message is never compressed and a name cannot point to itself or forwards. With
     * {@link #UNCOMPRESSED} every pointer is malformed. The one name walk of {@link RecordCursor} and the question
     * readers.
     */
    public static int skip(ByteBuf buf, int index, int end, int messageStart) {
        int length = 0;
        int i = index;
        while (i < end) {
            int len = buf.getUnsignedByte(i);
            if (len == 0) {
                return i + 1;
            }
            if ((len & 0xC0) == 0xC0) {
                if (messageStart == UNCOMPRESSED || i + 2 > end) {
                    return MALFORMED;
                }
                int target = messageStart + (((len & 0x3F) << 8) | buf.getUnsignedByte(i + 1));
                return target >= messageStart + Dns.HEADER_LENGTH && target < index ? i + 2 : MALFORMED;
            }
            if ((len & 0xC0) != 0) {
                return MALFORMED;
            }
            length += len + 1;
            if (length > MAX_NAME_LENGTH - 1) {
                return MALFORMED;
            }
            i += len + 1;
        }
        return MALFORMED;
    }

    /** {@link #skip} of a name that must be written out in full, such as the question of a query. */
    public static int skipUncompressed(ByteBuf buf, int index, int end) {
        return skip(buf, index, end, UNCOMPRESSED);
    }

    /** Compares two byte ranges ASCII case-insensitively (names may differ in case, RFC 4343). */
    public static boolean equalsIgnoreCase(ByteBuf a, int aIndex, ByteBuf b, int bIndex, int length) {
        for (int k = 0; k < length; k++) {
            int x = a.getByte(aIndex + k);
            int y = b.getByte(bIndex + k);
            if (x != y && toLower(x) != toLower(y)) {
                return false;
            }
        }
        return true;
    }

    /** ASCII lower case of one name byte (RFC 4343); other values pass unchanged. */
    public static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /** Renders an uncompressed wire name as dotted text, for logs and errors. */
    public static String toText(ByteBuf buf, int index, int end) {
        StringBuilder sb = new StringBuilder();
        int i = index;
        while (i < end) {
            int len = buf.getUnsignedByte(i);
            if (len == 0 || len > 63) {
                break;
            }
            for (int k = 1; k <= len && i + k < end; k++) {
                int c = buf.getUnsignedByte(i + k);
                if (c == '.' || c == '\\') {
                    sb.append('\\').append((char) c);
                } else if (c > 32 && c < 127) {
                    sb.append((char) c);
                } else {
                    sb.append('\\').append(String.format("%03d", c));
                }
            }
            sb.append('.');
            i += len + 1;
        }
        return sb.length() == 0 ? "." : sb.toString();
    }
}
