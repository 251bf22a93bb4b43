package dev.dotgate.upstream.bootstrap;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one upstream is reached: its IP, or the addresses its host name resolves to through the
 * {@link BootstrapResolver}, resolved when the upstream is made and again each time their TTL runs out. A failed
 * refresh keeps the last addresses that worked (logged once, retried with backoff); a changed set is handed to
 * the upstream, which stops using connections to addresses no longer in it. Every address is kept, IPv6 and IPv4,
 * in the order to try them ({@link HappyEyeballs#order}).
 */
public final class HostAddresses implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostAddresses.class);
    private static final long MIN_RETRY_SECONDS = 2;
    private static final long MAX_RETRY_SECONDS = 60;

    private final String host;
    private final int port;
    private final BootstrapResolver resolver;
    private final EventLoopGroup group;
    private volatile List<InetSocketAddress> current;
    private volatile Consumer<List<InetSocketAddress>> listener = a -> { };
    private ScheduledFuture<?> refresh; // guarded by this
    private long retrySeconds = MIN_RETRY_SECONDS; // guarded by this
    private boolean failing; // guarded by this
    private volatile boolean closed;

    private HostAddresses(String host, int port, BootstrapResolver resolver, EventLoopGroup group,
            List<InetSocketAddress> initial) {
        this.host = host;
        this.port = port;
        this.resolver = resolver;
        this.group = group;
        this.current = initial;
    }

    /** An IP literal: one address, never resolved. */
    public static HostAddresses fixed(InetSocketAddress address) {
        return new HostAddresses(address.getHostString(), address.getPort(), null, null, List.of(address));
    }

    /**
     * {@code host}'s addresses, resolved now (waiting at most {@code wait}) and kept fresh on {@code group}; a
     * {@link BootstrapException} when the name cannot be resolved now.
     */
    public static HostAddresses resolved(String host, int port, BootstrapResolver resolver, EventLoopGroup group,
            Duration wait) {
        BootstrapResolver.Addresses found;
        try {
            found = resolver.resolve(host).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BootstrapException b ? b : new BootstrapException("cannot resolve " + host
                    + " through the bootstrap resolvers " + resolver.describeServers() + ": " + e.getCause());
        } catch (TimeoutException e) {
            throw new BootstrapException("cannot resolve " + host + " through the bootstrap resolvers "
                    + resolver.describeServers() + ": no answer within " + wait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootstrapException("interrupted while resolving " + host);
        }
        HostAddresses a = new HostAddresses(host, port, resolver, group, sockets(found.addresses(), port));
        log.info("upstream host {} is at {} (for {} s)", host, a.current, found.ttlSeconds());
        a.schedule(found.ttlSeconds());
        return a;
    }

    private static List<InetSocketAddress> sockets(List<InetAddress> addresses, int port) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetAddress a : HappyEyeballs.order(addresses)) {
            try {
                out.add(new InetSocketAddress(InetAddress.getByAddress(a.getAddress()), port)); // no name attached
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e); // an address of 4 or 16 bytes
            }
        }
        return List.copyOf(out);
    }

    /** The addresses to connect to now, in the order to try them. */
    public List<InetSocketAddress> current() {
        return current;
    }

    /** Told the new addresses each time a refresh changes them (on the resolver's thread; must not block). */
    public void onChange(Consumer<List<InetSocketAddress>> listener) {
        this.listener = listener;
    }

    private synchronized void schedule(long seconds) {
        if (!closed && group != null) {
            refresh = group.next().schedule(this::refresh, seconds, TimeUnit.SECONDS);
        }
    }

    private void refresh() {
        resolver.resolve(host).whenComplete((found, e) -> {
            if (closed) {
                return;
            }
            if (found != null) {
                List<InetSocketAddress> next = sockets(found.addresses(), port);
                boolean changed = !next.equals(current);
                synchronized (this) {
                    if (failing) {
                        log.info("upstream host {} resolves again", host);
                    }
                    failing = false;
                    retrySeconds = MIN_RETRY_SECONDS;
                }
                if (changed) {
                    log.info("upstream host {} moved: now at {} (was {})", host, next, current);
                    current = next;
                    listener.accept(next);
                }
                schedule(found.ttlSeconds());
            } else {
                long retry;
                synchronized (this) {
                    if (!failing) {
                        Throwable c = e.getCause() != null ? e.getCause() : e;
                        log.warn("upstream host {}: {}; keeping {}", host, c.getMessage(), current);
                    }
                    failing = true;
                    retry = retrySeconds;
                    retrySeconds = Math.min(MAX_RETRY_SECONDS, retrySeconds * 2);
                }
                schedule(retry);
            }
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (refresh != null) {
            refresh.cancel(false);
        }
    }
}
