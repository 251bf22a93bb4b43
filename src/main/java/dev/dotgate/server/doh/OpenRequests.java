package dev.dotgate.server.doh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The streams of one HTTP/2 connection that the client has begun and not ended: POST bodies being received, and
 * streams already answered (an early error, a GET without END_STREAM) whose further DATA is dropped. Each
 * receiving body reserves its declared Content-Length (the largest query when it declares none) out of the
 * connection's budget, and its buffer never grows past its reservation. Each entry remembers when its stream
 * began, for the frame timeout, and how many flow-controlled bytes it holds that have not been given back to the
 * client as window. Event loop only.
 *
 * <p>Ownership: a receiving body's buffer is owned here until {@link #finish} hands it to the caller;
 * {@link #stopReceiving}, {@link #remove} and {@link #releaseAll} release it.
 */
final class OpenRequests {
    /** Smallest first allocation for a body: most DoH queries fit in it, whatever they declare. */
    private static final int FIRST_CHUNK = 512;

    /** One stream begun and not ended by the client. */
    static final class Open {
        final Http2FrameStream stream;
        /** When the stream began (or when reading last resumed), for the frame timeout. */
        private long startedNanos;
        /** The body so far; null once the stream is answered and its DATA is dropped. */
        private ByteBuf body;
        private int reserved;
        /** Flow-controlled bytes (DATA with its padding) received into {@link #body}, not yet given back. */
        int unconsumed;

        private Open(Http2FrameStream stream, long startedNanos) {
            this.stream = stream;
            this.startedNanos = startedNanos;
        }

        boolean receiving() {
            return body != null;
        }

        /** The body so far, borrowed. */
        ByteBuf body() {
            return body;
        }
    }

    private final IntObjectMap<Open> open = new IntObjectHashMap<>();
    private final int budget;
    private int reserved;

    /** {@code budget}: bytes all bodies being received at once may reserve together. */
    OpenRequests(int budget) {
        this.budget = budget;
    }

    Open get(int streamId) {
        return open.get(streamId);
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    /** Bytes reserved by the bodies being received. */
    int reserved() {
        return reserved;
    }

    /**
     * Starts receiving a body of at most {@code reservation} bytes; null, and nothing kept, when that would take
     * the connection over its budget.
     */
    Open receive(Http2FrameStream stream, int reservation, ByteBufAllocator alloc, long nowNanos) {
        if (reservation > budget - reserved) {
            return null;
        }
        Open o = new Open(stream, nowNanos);
        o.body = alloc.buffer(Math.min(reservation, FIRST_CHUNK), reservation);
        o.reserved = reservation;
        reserved += reservation;
        open.put(stream.id(), o);
        return o;
    }

    /** Remembers an answered stream whose DATA, until it ends, is dropped. */
    void dropRest(Http2FrameStream stream, long nowNanos) {
        open.put(stream.id(), new Open(stream, nowNanos));
    }

    /**
     * Stops receiving {@code o}'s body (it was answered early): the body is released and its reservation freed;
     * the stream stays until the client ends it. Returns the flow-controlled bytes to give back.
     */
    int stopReceiving(Open o) {
        int unconsumed = o.unconsumed;
        release(o);
        return unconsumed;
    }

    /** The complete body, handed to the caller (who owns it from now on); the stream is forgotten. */
    ByteBuf finish(Open o) {
        ByteBuf body = o.body;
        o.body = null;
        reserved -= o.reserved;
        o.reserved = 0;
        o.unconsumed = 0;
        open.remove(o.stream.id());
        return body;
    }

    /** Forgets a stream, releasing its body; null when it was not open. */
    Open remove(int streamId) {
        Open o = open.remove(streamId);
        if (o != null) {
            release(o);
        }
        return o;
    }

    private void release(Open o) {
        if (o.body != null) {
            o.body.release();
            o.body = null;
            reserved -= o.reserved;
            o.reserved = 0;
            o.unconsumed = 0;
        }
    }

    /**
     * The streams begun at or before {@code deadlineNanos}, still open: the caller reads what it needs (whether
     * a body was being received) and then {@link #remove}s each.
     */
    List<Open> expired(long deadlineNanos) {
        List<Open> late = new ArrayList<>();
        for (Open o : open.values()) {
            if (o.startedNanos - deadlineNanos <= 0) {
                late.add(o);
            }
        }
        return late;
    }

    /** Counts every open stream's frame timeout from {@code nowNanos}: we were not reading, the client not late. */
    void restartAll(long nowNanos) {
        for (Open o : open.values()) {
            o.startedNanos = nowNanos;
        }
    }

    /** When the oldest open stream began; only when not {@link #isEmpty()}. */
    long oldestStart() {
        long oldest = 0;
        boolean first = true;
        for (Open o : open.values()) {
            if (first || o.startedNanos - oldest < 0) {
                oldest = o.startedNanos;
                first = false;
            }
        }
        return oldest;
    }

    void releaseAll() {
        for (Open o : open.values()) {
            release(o);
        }
        open.clear();
    }
}
