package dev.dotgate.resolve;

/** How a query reached the gateway. */
public enum Transport {
    UDP, TCP, DOT
}
