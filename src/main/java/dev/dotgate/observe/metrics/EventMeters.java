package dev.dotgate.observe.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;

/**
 * dotgate_events_written_total and dotgate_events_dropped_total, read at each scrape from the event sinks' own
 * counts ({@code written} and {@code dropped} add those of sinks a reload closed to the running one's).
 */
public final class EventMeters implements MeterBinder {
    static final String EVENTS_WRITTEN = "dotgate.events.written";
    static final String EVENTS_DROPPED = "dotgate.events.dropped";
    private final Supplier<Number> written;
    private final Supplier<Number> dropped;

    public EventMeters(Supplier<Number> written, Supplier<Number> dropped) {
        this.written = written;
        this.dropped = dropped;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(EVENTS_WRITTEN, written, s -> s.get().doubleValue())
                .description("Query events written to the event output")
                .register(registry);
        FunctionCounter.builder(EVENTS_DROPPED, dropped, s -> s.get().doubleValue())
                .description("Query events dropped: queue full, write failed, or after shutdown")
                .register(registry);
    }
}
