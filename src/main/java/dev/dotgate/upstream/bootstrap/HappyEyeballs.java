package dev.dotgate.upstream.bootstrap;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Connection attempts raced over an upstream's addresses, as RFC 8305 (Happy Eyeballs v2) has them: the addresses
 * interleaved by family, IPv6 first; the first attempt starts at once and each next one {@value #DELAY_MILLIS} ms
 * later, or as soon as the one before it fails; the first to succeed wins and every other is discarded. All on one
 * event loop.
 */
public final class HappyEyeballs {
    /** RFC 8305's recommended Connection Attempt Delay. */
    public static final long DELAY_MILLIS = 250;

    private HappyEyeballs() {
    }

    /** IPv6 and IPv4 addresses interleaved, IPv6 first, each family in the order given (RFC 8305 section 4). */
    public static List<InetAddress> order(List<InetAddress> addresses) {
        List<InetAddress> v6 = new ArrayList<>();
        List<InetAddress> v4 = new ArrayList<>();
        for (InetAddress a : addresses) {
            (a instanceof Inet6Address ? v6 : v4).add(a);
        }
        List<InetAddress> out = new ArrayList<>(addresses.size());
        for (int i = 0; i < Math.max(v6.size(), v4.size()); i++) {
            if (i < v6.size()) {
                out.add(v6.get(i));
            }
            if (i < v4.size()) {
                out.add(v4.get(i));
            }
        }
        return out;
    }

    /**
     * Races {@code attempt} over {@code targets} (in order) on {@code loop}; the winner's result, or the last
     * failure when all fail. A result that comes after the winner is given to {@code discard}.
     */
    public static <T> Future<T> race(EventLoop loop, List<InetSocketAddress> targets,
            Function<InetSocketAddress, Future<T>> attempt, Consumer<T> discard) {
        Promise<T> result = loop.newPromise();
        if (targets.size() == 1) {
            attempt.apply(targets.get(0)).addListener(f -> settle(result, f, discard, true));
            return result;
        }
        new Race<>(loop, targets, attempt, discard, result).next();
        return result;
    }

    @SuppressWarnings("unchecked")
    private static <T> void settle(Promise<T> result, Future<?> f, Consumer<T> discard, boolean last) {
        if (f.isSuccess()) {
            if (!result.trySuccess((T) f.getNow())) {
                discard.accept((T) f.getNow());
            }
        } else if (last) {
            result.tryFailure(f.cause());
        }
    }

    private static final class Race<T> {
        private final EventLoop loop;
        private final List<InetSocketAddress> targets;
        private final Function<InetSocketAddress, Future<T>> attempt;
        private final Consumer<T> discard;
        private final Promise<T> result;
        private int started;
        private int failed;

        Race(EventLoop loop, List<InetSocketAddress> targets, Function<InetSocketAddress, Future<T>> attempt,
                Consumer<T> discard, Promise<T> result) {
            this.loop = loop;
            this.targets = targets;
            this.attempt = attempt;
            this.discard = discard;
            this.result = result;
        }

        /** Starts the next attempt, and the timer for the one after. On the loop. */
        void next() {
            if (result.isDone() || started == targets.size()) {
                return;
            }
            int mine = started++;
            var timer = loop.schedule(this::next, DELAY_MILLIS, TimeUnit.MILLISECONDS);
            attempt.apply(targets.get(mine)).addListener(f -> loop.execute(() -> {
                if (f.isSuccess()) {
                    timer.cancel(false);
                    settle(result, f, discard, false);
                } else {
                    failed++;
                    if (failed == targets.size()) {
                        result.tryFailure(f.cause());
                    } else if (mine == started - 1) {
                        timer.cancel(false);
                        next(); // the newest attempt failed: do not wait for its timer
                    }
                }
            }));
        }
    }
}
