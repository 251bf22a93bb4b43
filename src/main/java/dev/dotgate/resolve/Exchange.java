package dev.dotgate.resolve;

import dev.dotgate.observe.Stats;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Questions;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client query on its way through the gateway, completed exactly once: by an answer, a synthesized error or
 * its timeout, whichever comes first; later completions are released and ignored.
 *
 * <p>Owns the client's query bytes (with the client's ID) until it completes. Upstreams never hold on to the
 * query buffer: they copy it with {@link #writeQuery} and compare with {@link #matches}, both of which are safe
 * against a completion on another thread.
 */
public final class Exchange {
    /** Called when an attempt was lost before an answer (connection died, upstream down). */
    public interface LossHandler {
        void lost(Exchange exchange, Throwable cause);
    }

    private final ByteBuf query;
    private final QueryInfo info;
    private final Transport transport;
    private final InetSocketAddress client;
    private final EventExecutor executor;
    private final Responder responder;
    private final ByteBufAllocator alloc;
    private final Stats stats;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean done = new AtomicBoolean();
    private boolean released; // guarded by this
    private volatile ScheduledFuture<?> timeout;
    private volatile int attempts;
    private volatile LossHandler lossHandler;
    private volatile Upstream upstream;

    /** Takes ownership of {@code query}. */
    public Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor executor, Responder responder, ByteBufAllocator alloc, Stats stats) {
        this.query = query;
        this.info = info;
        this.transport = transport;
        this.client = client;
        this.executor = executor;
        this.responder = responder;
        this.alloc = alloc;
        this.stats = stats;
        stats.queries.increment();
    }

    public QueryInfo info() {
        return info;
    }

    public Transport transport() {
        return transport;
    }

    public InetSocketAddress client() {
        return client;
    }

    public int queryLength() {
        return query.readableBytes();
    }

    public long startNanos() {
        return startNanos;
    }

    public boolean isDone() {
        return done.get();
    }

    public int attempts() {
        return attempts;
    }

    /** Counts a new attempt on {@code target} and sets who hears about its loss. */
    public void beginAttempt(Upstream target, LossHandler handler) {
        this.upstream = target;
        this.lossHandler = handler;
        attempts++;
    }

    /** The upstream of the latest attempt, or null before the first. */
    public Upstream upstream() {
        return upstream;
    }

    /** Completes with SERVFAIL after {@code millis} unless answered before. Scheduled on the client's loop. */
    public void startTimer(long millis) {
        timeout = executor.schedule(() -> {
            if (fail(Dns.RCODE_SERVFAIL)) {
                stats.servfailTimeout.increment();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Appends a 2-byte length and the query, with {@code id} in place of the client's ID, to {@code out}.
     * Returns false, writing nothing, when the exchange has completed meanwhile.
     */
    public synchronized boolean writeQuery(ByteBuf out, int id) {
        if (released) {
            return false;
        }
        int len = query.readableBytes();
        out.writeShort(len);
        int at = out.writerIndex();
        out.writeBytes(query, query.readerIndex(), len);
        out.setShort(at, id);
        return true;
    }

    /** Appends the query with {@code id} in place of the client's ID, no length prefix. False when completed. */
    public synchronized boolean writeDatagram(ByteBuf out, int id) {
        if (released) {
            return false;
        }
        int at = out.writerIndex();
        out.writeBytes(query, query.readerIndex(), query.readableBytes());
        out.setShort(at, id);
        return true;
    }

    /** Whether {@code answer} is for this query's question. False once the exchange has completed. */
    public synchronized boolean matches(ByteBuf answer) {
        return !released && Questions.sameQuestion(query, answer);
    }

    /** Reports a lost attempt to whoever started it; ignored once completed. */
    public void lost(Throwable cause) {
        LossHandler handler = lossHandler;
        if (!isDone() && handler != null) {
            handler.lost(this, cause);
        }
    }

    /**
     * Completes with {@code answer}, restoring the client's ID. Takes ownership of {@code answer}; releases it
     * when already completed. Returns whether this call completed the exchange.
     */
    public boolean answer(ByteBuf answer) {
        if (!done.compareAndSet(false, true)) {
            answer.release();
            return false;
        }
        int clientId;
        synchronized (this) {
            clientId = Dns.id(query);
        }
        Dns.setId(answer, clientId);
        finish();
        stats.answered.increment();
        responder.respond(this, answer);
        return true;
    }

    /** Completes with a synthesized error reply. Returns whether this call completed the exchange. */
    public boolean fail(int rcode) {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        ByteBuf reply;
        synchronized (this) {
            reply = Replies.error(alloc, query, info, rcode);
        }
        finish();
        responder.respond(this, reply);
        return true;
    }

    private void finish() {
        stats.completed.increment();
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        synchronized (this) {
            released = true;
            query.release();
        }
    }
}
