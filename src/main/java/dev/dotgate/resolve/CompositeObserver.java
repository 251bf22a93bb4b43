package dev.dotgate.resolve;

import dev.dotgate.upstream.Upstream;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several {@link QueryLifecycleObserver}s as one, called in order, from an array (no iterator, nothing allocated
 * per query). An observer that throws is logged (at warn the first time, then at debug) and skipped for that call
 * only: the others and the reply to the client go on. Made by {@link QueryLifecycleObserver#of}.
 */
final class CompositeObserver implements QueryLifecycleObserver {
    private static final Logger log = LoggerFactory.getLogger(CompositeObserver.class);

    private final QueryLifecycleObserver[] observers;
    private volatile boolean warned;

    CompositeObserver(QueryLifecycleObserver[] observers) {
        this.observers = observers.clone();
        for (QueryLifecycleObserver o : this.observers) {
            java.util.Objects.requireNonNull(o, "observer");
        }
    }

    @Override
    public void received(QueryContext query) {
        for (QueryLifecycleObserver o : observers) {
            try {
                o.received(query);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    @Override
    public void decided(QueryContext query, Decision decision, String reason) {
        for (QueryLifecycleObserver o : observers) {
            try {
                o.decided(query, decision, reason);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    @Override
    public void sentUpstream(QueryContext query, Upstream upstream, int attempt) {
        for (QueryLifecycleObserver o : observers) {
            try {
                o.sentUpstream(query, upstream, attempt);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    @Override
    public void answered(Exchange exchange, ByteBuf reply, long elapsedNanos) {
        for (QueryLifecycleObserver o : observers) {
            try {
                o.answered(exchange, reply, elapsedNanos);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    @Override
    public void failed(Exchange exchange, ByteBuf reply, long elapsedNanos) {
        for (QueryLifecycleObserver o : observers) {
            try {
                o.failed(exchange, reply, elapsedNanos);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    @Override
    public void dropped(Transport transport, InetSocketAddress client, Decision decision, String reason) {
        for (QueryLifecycleObserver o : observers) {
            try {
                o.dropped(transport, client, decision, reason);
            } catch (RuntimeException e) {
                failed(o, e);
            }
        }
    }

    private void failed(QueryLifecycleObserver o, RuntimeException e) {
        if (!warned) {
            warned = true;
            log.warn("query observer {} failed (further failures logged at debug): {}", o.getClass().getName(),
                    e.toString());
        } else {
            log.debug("query observer {} failed", o.getClass().getName(), e);
        }
    }
}
