package dev.dotgate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Events and metrics ({@code [events]} and {@code [metrics]}).
 *
 * @param events        "off", "stdout", or a file path the events are appended to
 * @param eventsQueue   events waiting to be written at most; beyond, they are dropped and counted
 * @param metricsListen where Prometheus metrics are served over HTTP, or null for nowhere
 */
public record ObserveOptions(
        @Setting(key = "events.sink", flag = "--events", label = "SINK", dflt = "\"off\"", check = Setting.Check.SINK,
                doc = "one CloudEvents JSON line per query to `stdout`, a file (appended), or `off`")
        String events,
        @Setting(key = "events.queue", dflt = "65536", min = 16, max = 10_000_000,
                doc = "events waiting to be written; when full, events are dropped and counted, queries never wait")
        int eventsQueue,
        @Setting(key = "metrics.listen", flag = "--metrics-listen", label = "ADDRESS:PORT", dflt = "\"off\"",
                restart = true, doc = "serve Prometheus metrics at `http://HOST:PORT/metrics`, and `/health` (200 while "
                        + "serving) and `/ready` (200 once the listeners are bound and an upstream has answered, "
                        + "else 503 with the reason) for health checks and probes")
        InetSocketAddress metricsListen) {

    /** The file the events are appended to, or null when they go to stdout or nowhere. */
    public Path eventsFile() {
        return "off".equals(events) || "stdout".equals(events) ? null : Path.of(events);
    }
}
