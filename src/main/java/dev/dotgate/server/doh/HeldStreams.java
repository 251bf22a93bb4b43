package dev.dotgate.server.doh;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The queries of one HTTP/2 DoH connection waiting for the client's rate or in-flight share, in arrival order, as
 * stream, message, stream, message... in one deque (no pair object): at most the codec's concurrent streams.
 * The messages are owned here until polled. Event-loop only.
 */
final class HeldStreams {
    private final ArrayDeque<Object> held = new ArrayDeque<>();

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Keeps {@code message} (ownership taken) of {@code stream}. */
    void add(Http2FrameStream stream, ByteBuf message) {
        held.add(stream);
        held.add(message);
    }

    /** The stream of the oldest query; then {@link #pollMessage} gives its message. */
    Http2FrameStream pollStream() {
        return (Http2FrameStream) held.poll();
    }

    /** The message of the stream {@link #pollStream} gave; the caller owns it. */
    ByteBuf pollMessage() {
        return (ByteBuf) held.poll();
    }

    /**
     * Forgets the query of stream {@code streamId} if it waits here (the client reset the stream, or it had a
     * stream error), releasing its message: a dead stream is not resolved, and what waits stays within the
     * streams open. A linear scan, bounded by the concurrent streams; only on a reset.
     */
    void drop(int streamId) {
        Iterator<Object> it = held.iterator();
        while (it.hasNext()) {
            Http2FrameStream stream = (Http2FrameStream) it.next();
            if (stream.id() == streamId) {
                it.remove();
                ByteBuf message = (ByteBuf) it.next();
                it.remove();
                message.release();
                return;
            }
            it.next(); // its message
        }
    }

    /** Releases every message (the connection closed). */
    void releaseAll() {
        while (!held.isEmpty()) {
            held.poll();
            ((ByteBuf) held.poll()).release();
        }
    }
}
