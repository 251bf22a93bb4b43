package dev.dotgate.config;

import java.net.InetSocketAddress;

/**
 * Events and metrics.
 *
 * @param events        "off", "stdout", or a file path the events are appended to
 * @param eventsQueue   events waiting to be written at most; beyond, they are dropped and counted
 * @param metricsListen where Prometheus metrics are served over HTTP, or null for nowhere
 */
public record ObserveOptions(String events, int eventsQueue, InetSocketAddress metricsListen) {
}
