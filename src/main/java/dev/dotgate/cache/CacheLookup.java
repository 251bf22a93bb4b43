package dev.dotgate.cache;

import io.netty.buffer.ByteBuf;

/**
 * The outcome of {@link AnswerCache#lookup}: {@link #MISS}, or a hit carrying the answer to send.
 *
 * @param answer      the answer for the client, owned by the caller; null for a miss
 * @param prefetchDue true on the one hit that should trigger a refresh of the entry from upstream
 */
public record CacheLookup(ByteBuf answer, boolean prefetchDue) {
    public static final CacheLookup MISS = new CacheLookup(null, false);

    public boolean hit() {
        return answer != null;
    }
}
