package dev.dotgate.cache;

/** Hears every cache lookup's result, for the metrics. Must not block. */
public interface CacheMeter {
    CacheMeter NONE = new CacheMeter() {
        @Override
        public void hit() {
        }

        @Override
        public void miss() {
        }

        @Override
        public void stale() {
        }

        @Override
        public void prefetch() {
        }
    };

    void hit();

    void miss();

    /** An expired entry was served because no upstream answered. */
    void stale();

    /** A popular entry near expiry was sent for a refresh. */
    void prefetch();
}
