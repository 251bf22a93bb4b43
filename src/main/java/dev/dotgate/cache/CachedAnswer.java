package dev.dotgate.cache;

import dev.dotgate.wire.Dns;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One stored answer: the upstream's bytes with their TTLs already clamped, where those TTLs are, and when it was
 * stored. Serves copies with the requester's ID, RD bit and question bytes and the TTLs brought up to date. The
 * message array is never modified after construction; the hit counter and prefetch mark are the only mutable
 * state, updated atomically.
 */
final class CachedAnswer {
    private static final VarHandle HITS;
    private static final VarHandle PREFETCH_CLAIMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HITS = lookup.findVarHandle(CachedAnswer.class, "hits", int.class);
            PREFETCH_CLAIMED = lookup.findVarHandle(CachedAnswer.class, "prefetchClaimed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final byte[] message;
    private final int[] ttlOffsets;
    final long storedNanos;
    /** Lifetime in whole seconds, at least 1. */
    final int ttlSeconds;
    final boolean negative;
    @SuppressWarnings("unused") // through HITS
    private volatile int hits;
    @SuppressWarnings("unused") // through PREFETCH_CLAIMED
    private volatile boolean prefetchClaimed;

    CachedAnswer(byte[] message, int[] ttlOffsets, long storedNanos, int ttlSeconds, boolean negative) {
        this.message = message;
        this.ttlOffsets = ttlOffsets;
        this.storedNanos = storedNanos;
        this.ttlSeconds = ttlSeconds;
        this.negative = negative;
    }

    long ttlNanos() {
        return ttlSeconds * 1_000_000_000L;
    }

    /**
     * Counts a hit and returns the count including it, but stops counting at {@code cap}: past it only the fact
     * matters, and a popular entry is then read without being written by every event loop.
     */
    int hit(int cap) {
        int h = (int) HITS.getVolatile(this);
        if (h >= cap) {
            return h;
        }
        return (int) HITS.getAndAdd(this, 1) + 1;
    }

    /** True for the first caller only: the one that asks for the refresh. */
    boolean claimPrefetch() {
        return PREFETCH_CLAIMED.compareAndSet(this, false, true);
    }

    /**
     * A copy of the answer for {@code query} (which asked the same question, so its question has the same length):
     * the query's ID, RD bit and question bytes (the client's letter case), and every TTL decremented by
     * {@code elapsedSeconds}, or set to {@code fixedTtl} when that is not negative. The caller owns the buffer.
     */
    ByteBuf copyFor(ByteBuf query, int questionLength, ByteBufAllocator alloc, long elapsedSeconds, int fixedTtl) {
        ByteBuf out = alloc.buffer(message.length);
        out.writeBytes(message);
        out.setShort(0, Dns.id(query));
        // RD as the client asked; AA cleared: an answer from memory is not authoritative (RFC 1035 6.2).
        out.setShort(2, (out.getUnsignedShort(2) & ~(Dns.FLAG_RD | Dns.FLAG_AA)) | (Dns.flags(query) & Dns.FLAG_RD));
        out.setBytes(Dns.HEADER_LENGTH, query, query.readerIndex() + Dns.HEADER_LENGTH, questionLength);
        for (int offset : ttlOffsets) {
            long ttl;
            if (fixedTtl >= 0) {
                ttl = fixedTtl;
            } else {
                ttl = Math.max(0, storedTtl(offset) - elapsedSeconds);
            }
            out.setInt(offset, (int) ttl);
        }
        return out;
    }

    private long storedTtl(int offset) {
        return ((message[offset] & 0xFFL) << 24) | ((message[offset + 1] & 0xFF) << 16)
                | ((message[offset + 2] & 0xFF) << 8) | (message[offset + 3] & 0xFF);
    }
}
