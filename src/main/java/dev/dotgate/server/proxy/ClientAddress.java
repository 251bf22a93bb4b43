package dev.dotgate.server.proxy;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * The address of the client behind a connection: the one a trusted load balancer named in its PROXY protocol
 * header, else the connection's remote address. Every stream listener (TCP, DoT, DoH) reads the client through
 * {@link #of} once the PROXY header, if any, has been read ({@link ProxyProtocol#install}'s {@code ready}).
 */
public final class ClientAddress {
    /** Set by {@link ProxyProtocol} on a connection from a trusted load balancer that sent PROXY addresses. */
    public static final AttributeKey<InetSocketAddress> KEY = AttributeKey.valueOf("dotgate.proxy.client");

    private ClientAddress() {
    }

    /** The real client of {@code channel}: the address from its PROXY header, else its remote address. */
    public static InetSocketAddress of(Channel channel) {
        InetSocketAddress proxied = channel.attr(KEY).get();
        return proxied != null ? proxied : (InetSocketAddress) channel.remoteAddress();
    }
}
