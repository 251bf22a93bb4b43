package dev.dotgate.cache;

/** Hears every cache lookup's result, for the metrics. Must not block. Each method does nothing by default. */
public interface CacheMeter {
    CacheMeter NONE = new CacheMeter() {
    };

    default void hit() {
    }

    default void miss() {
    }

    /** An expired entry was served because no upstream answered. */
    default void stale() {
    }

    /** A popular entry near expiry was sent for a refresh. */
    default void prefetch() {
    }
}
