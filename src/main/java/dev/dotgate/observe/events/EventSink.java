package dev.dotgate.observe.events;

/**
 * Where per-query events go. Called on the query path, so {@link #emit} never blocks and never throws: an event
 * that cannot be taken at once is dropped and counted.
 */
public interface EventSink extends AutoCloseable {
    /** Takes one event, or drops and counts it. Never blocks, never throws. A null event is ignored. */
    void emit(QueryEvent e);

    /** Events lost so far: queue full, write failed, or emitted after {@link #close()}. */
    long dropped();

    /** Events written out so far. */
    long written();

    /** Writes out what was taken (waiting a bounded time) and stops. Later events are dropped. Idempotent. */
    @Override
    void close();

    /** Discards everything; counts nothing. */
    EventSink OFF = new EventSink() {
        @Override
        public void emit(QueryEvent e) {
        }

        @Override
        public long dropped() {
            return 0;
        }

        @Override
        public long written() {
            return 0;
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "off";
        }
    };
}
