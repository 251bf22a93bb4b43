package dev.dotgate.server;

import io.netty.buffer.ByteBuf;

/**
 * Follows length-prefixed records as their bytes go by, without buffering or allocating anything: a DNS stream
 * (RFC 1035 4.2.2: a 2-byte length, then the message) or TLS records (a 5-byte header whose bytes 3 and 4 are
 * the length). Tells whether a record has started and is not complete yet, and how many records completed.
 * Only reads the buffers it is shown; the caller keeps them. Not thread-safe: one connection's event loop.
 */
final class FrameTracker {
    private final int headerLength;
    private final int lengthOffset;
    private int headerSeen;
    private int length;
    private int bodyLeft;

    private FrameTracker(int headerLength, int lengthOffset) {
        this.headerLength = headerLength;
        this.lengthOffset = lengthOffset;
    }

    /** DNS over TCP or TLS: a 2-byte length prefix. */
    static FrameTracker dns() {
        return new FrameTracker(2, 0);
    }

    /** TLS records: type, version, 2-byte length. */
    static FrameTracker tlsRecords() {
        return new FrameTracker(5, 3);
    }

    /** Whether some bytes of a record have arrived and the record is not complete. */
    boolean partial() {
        return headerSeen > 0 || bodyLeft > 0;
    }

    /** Follows the readable bytes of {@code buf} (not consumed); returns how many records they completed. */
    int follow(ByteBuf buf) {
        int completed = 0;
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (bodyLeft > 0) {
                int n = Math.min(bodyLeft, end - i);
                bodyLeft -= n;
                i += n;
                if (bodyLeft == 0) {
                    completed++;
                }
                continue;
            }
            int b = buf.getUnsignedByte(i++);
            if (headerSeen == lengthOffset) {
                length = b << 8;
            } else if (headerSeen == lengthOffset + 1) {
                length |= b;
            }
            if (++headerSeen == headerLength) {
                headerSeen = 0;
                bodyLeft = length;
                if (length == 0) {
                    completed++;
                }
            }
        }
        return completed;
    }
}
