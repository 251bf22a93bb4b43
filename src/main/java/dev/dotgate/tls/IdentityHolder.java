package dev.dotgate.tls;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server identity every TLS listener presents, and who to tell when it changes. Each listener keeps its own
 * {@code SslContext} (DoT with ALPN "dot", DoH with "h2"/"http/1.1"), builds it from {@link #current()} and
 * registers {@link #onChange} to build a new one; new handshakes then use the new certificate while open
 * connections carry on with the one they started with. Thread-safe.
 */
public final class IdentityHolder {
    private static final Logger log = LoggerFactory.getLogger(IdentityHolder.class);

    private volatile ServerIdentity current;
    private final List<Consumer<ServerIdentity>> listeners = new CopyOnWriteArrayList<>();

    public IdentityHolder(ServerIdentity initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    public ServerIdentity current() {
        return current;
    }

    /**
     * Calls {@code listener} with the current identity at once, on this thread (an exception it throws reaches
     * the caller: a start-up failure), then with every identity {@link #publish}ed later, on the publishing
     * thread. Registration and publishing are serialized, so the listener cannot miss or reorder a change.
     */
    public synchronized void onChange(Consumer<ServerIdentity> listener) {
        Objects.requireNonNull(listener, "listener").accept(current);
        listeners.add(listener);
    }

    /**
     * Tells the listeners about {@code next} and, when every one of them took it, makes it current. A listener
     * that throws (say, a TLS context that cannot be built from this key type) keeps its previous context; the
     * failure is logged and {@code next} does not become current, so the caller can report it and try again.
     *
     * @return whether every listener now serves {@code next}
     */
    public synchronized boolean publish(ServerIdentity next) {
        Objects.requireNonNull(next, "next");
        boolean all = true;
        for (Consumer<ServerIdentity> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                all = false;
                log.error("a TLS listener could not use the new certificate ({}): {}; it keeps the previous one",
                        ChainCheck.describe(next.chain().get(0)), e.getMessage());
            }
        }
        if (all) {
            current = next; // after the listeners: once current() shows it, every context serves it
        }
        return all;
    }
}
