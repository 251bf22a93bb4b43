package dev.dotgate.resolve;

import dev.dotgate.observe.Stats;
import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
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

    /**
     * Sees an exchange's completion before the client does: the cache stores upstream answers and answers the
     * queries that waited for the same question, and replaces a failure with a stale answer when it has one.
     */
    public interface CompletionHook {
        /** An upstream answer (client ID already set) about to go out. Does not own {@code answer}. */
        void answered(Exchange exchange, ByteBuf answer);

        /**
         * The exchange is about to fail with {@code rcode} ({@code decision} says why). Returns a replacement
         * answer (caller takes ownership, it goes out as {@link Decision#STALE}), or null to let it fail.
         */
        ByteBuf failing(Exchange exchange, int rcode, Decision decision);

        /** The exchange has completed, however it did (after {@link #answered} or {@link #failing}). */
        default void completed(Exchange exchange) {
        }
    }

    private final ByteBuf query;
    private final QueryInfo info;
    private final Transport transport;
    private final InetSocketAddress client;
    private final EventExecutor executor;
    private final Responder responder;
    private final ByteBufAllocator alloc;
    private final Stats stats;
    private final QueryObserver observer;
    private final boolean internal;
    private final boolean prefetch;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean done = new AtomicBoolean();
    private boolean released; // guarded by this
    private volatile ScheduledFuture<?> timeout;
    private volatile int attempts;
    private volatile LossHandler lossHandler;
    private volatile Upstream upstream;
    private volatile dev.dotgate.upstream.UpstreamGroup route;
    private volatile long attemptNanos;
    private volatile CompletionHook hook;
    private volatile Decision decision;
    private volatile String reason;
    private volatile int rcode = -1;
    /** Set by the listener before the exchange goes down the chain, read on completion, maybe on another thread. */
    private volatile Object attachment;

    /**
     * A client's query. Takes ownership of {@code query}; {@code observer} hears of the completion (events,
     * metrics).
     */
    public Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor executor, Responder responder, ByteBufAllocator alloc, Stats stats,
            QueryObserver observer) {
        this(query, info, transport, client, executor, responder, alloc, stats, observer, false, false);
    }

    private Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor executor, Responder responder, ByteBufAllocator alloc, Stats stats,
            QueryObserver observer, boolean internal, boolean prefetch) {
        this.query = query;
        this.info = info;
        this.transport = transport;
        this.client = client;
        this.executor = executor;
        this.responder = responder;
        this.alloc = alloc;
        this.stats = stats;
        this.observer = observer;
        this.internal = internal;
        this.prefetch = prefetch;
        if (!internal) {
            stats.queries.increment();
        }
    }

    /**
     * A query the gateway asks on its own behalf (a cache prefetch) with a copy of this exchange's query bytes:
     * not counted as a client query, not reported as an event, its answer handed to {@code responder}.
     */
    public synchronized Exchange internalCopy(Responder responder) {
        ByteBuf copy = alloc.buffer(query.readableBytes()).writeBytes(query, query.readerIndex(),
                query.readableBytes());
        return new Exchange(copy, info, transport, client, executor, responder, alloc, stats, QueryObserver.NONE,
                true, true);
    }

    /**
     * A query the gateway asks on this exchange's behalf with other bytes (the target of a local CNAME): like
     * {@link #internalCopy}, not counted, not reported, its answer handed to {@code responder}. Takes ownership of
     * {@code query}.
     */
    public Exchange internalQuery(ByteBuf query, QueryInfo info, Responder responder) {
        return new Exchange(query, info, transport, client, executor, responder, alloc, stats, QueryObserver.NONE,
                true, false);
    }

    /**
     * The query bytes, owned by the exchange. Only for the steps that run before the exchange is handed to an
     * upstream or its timer starts (policy, cache lookup), when nothing can complete it concurrently.
     */
    public ByteBuf query() {
        return query;
    }

    /**
     * Whether the gateway asked this itself (a prefetch, a local CNAME's target) rather than a client: not counted
     * as a client query, not reported as an event.
     */
    public boolean isInternal() {
        return internal;
    }

    /**
     * Whether this is a cache refresh no client waits for ({@link #internalCopy}): its failures are not counted and
     * it gets no stale answer. A local CNAME's target ({@link #internalQuery}) is internal but not a prefetch.
     */
    public boolean isPrefetch() {
        return prefetch;
    }

    public ByteBufAllocator alloc() {
        return alloc;
    }

    /**
     * Attaches what the listener needs back at completion (the client's limit state); set once, before the
     * exchange is handed on.
     */
    public void attach(Object value) {
        this.attachment = value;
    }

    /** What {@link #attach} set; null when nothing was attached. */
    public Object attachment() {
        return attachment;
    }

    public void hook(CompletionHook hook) {
        this.hook = hook;
    }

    /** How the exchange completed; null while it has not. */
    public Decision decision() {
        return decision;
    }

    /** Detail of the decision (the blocking list, "acl" ...); may be null. */
    public String reason() {
        return reason;
    }

    /** The response code sent back, or -1 while not completed. */
    public int rcode() {
        return rcode;
    }

    /** Nanoseconds from the start of the latest upstream attempt. */
    public long attemptElapsedNanos() {
        return System.nanoTime() - attemptNanos;
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
        this.attemptNanos = System.nanoTime();
        attempts++;
    }

    /** The upstreams this query goes to (set by the forwarding step). */
    public void route(dev.dotgate.upstream.UpstreamGroup group) {
        this.route = group;
    }

    public dev.dotgate.upstream.UpstreamGroup route() {
        return route;
    }

    /** The upstream of the latest attempt, or null before the first. */
    public Upstream upstream() {
        return upstream;
    }

    /** Completes with SERVFAIL after {@code millis} unless answered before. Scheduled on the client's loop. */
    public void startTimer(long millis) {
        timeout = executor.schedule(() -> {
            if (fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, null) && !prefetch) {
                stats.servfailTimeout.increment();
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** The most bytes {@link #writeQuery} or {@link #writeDatagram} write for {@code hop}, length prefix not counted. */
    public int upstreamLength(Padding.Hop hop) {
        return Padding.maxQueryLength(queryLength(), hop);
    }

    /**
     * Appends a 2-byte length and the query, with {@code id} in place of the client's ID and its OPT options as
     * {@code copy} wants them ({@link Padding#writeQuery(ByteBuf, QueryInfo, ByteBuf, Padding.UpstreamCopy)}:
     * padded over TLS, the client's cookie and, unless forwarded, its subnet left out), to {@code out}. Returns
     * false, writing nothing, when the exchange has completed meanwhile.
     */
    public synchronized boolean writeQuery(ByteBuf out, int id, Padding.UpstreamCopy copy) {
        if (released) {
            return false;
        }
        int lengthAt = out.writerIndex();
        out.writeShort(0);
        int len = Padding.writeQuery(query, info, out, copy);
        out.setShort(lengthAt, len);
        out.setShort(lengthAt + 2, id);
        return true;
    }

    /**
     * Appends the query with {@code id} in place of the client's ID, no length prefix, its OPT as {@code copy}
     * wants it (no hop-by-hop options, no cookie, the subnet only when forwarded, the upstream's UDP size). The
     * question is the client's, letter case included; a caller randomising the case does it in {@code out}.
     * False when completed.
     */
    public synchronized boolean writeDatagram(ByteBuf out, int id, Padding.UpstreamCopy copy) {
        if (released) {
            return false;
        }
        int at = out.writerIndex();
        Padding.writeQuery(query, info, out, copy);
        out.setShort(at, id);
        return true;
    }

    /**
     * Writes the client's question name (its letter case) over the question of {@code answer}, which
     * {@link #matches} accepted: for an upstream that was sent another case (0x20). Does nothing once completed.
     * Does not take ownership of {@code answer}.
     */
    public synchronized void restoreQuestion(ByteBuf answer) {
        if (released) {
            return;
        }
        int nameLength = info.questionEnd() - Dns.HEADER_LENGTH - 4;
        answer.setBytes(answer.readerIndex() + Dns.HEADER_LENGTH, query, query.readerIndex() + Dns.HEADER_LENGTH,
                nameLength);
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

    /** Completes with an upstream's {@code answer}: {@link #answer(ByteBuf, Decision, String)} as FORWARDED. */
    public boolean answer(ByteBuf answer) {
        return answer(answer, Decision.FORWARDED, null);
    }

    /**
     * Completes with {@code answer}, restoring the client's ID. Takes ownership of {@code answer}; releases it
     * when already completed. Returns whether this call completed the exchange.
     */
    public boolean answer(ByteBuf answer, Decision decision, String reason) {
        if (!done.compareAndSet(false, true)) {
            answer.release();
            return false;
        }
        int clientId;
        synchronized (this) {
            clientId = Dns.id(query);
        }
        Dns.setId(answer, clientId);
        CompletionHook h = hook;
        if (h != null && decision == Decision.FORWARDED) {
            h.answered(this, answer);
        }
        complete(answer, decision, reason);
        return true;
    }

    /**
     * Completes with a copy of another query's answer to the same question: this query's ID and its question
     * bytes (the client's letter case) go in. Does not take ownership of {@code source}.
     */
    public boolean answerCopy(ByteBuf source, Decision decision, String reason) {
        ByteBuf copy;
        synchronized (this) {
            if (released) {
                return false;
            }
            copy = alloc.buffer(source.readableBytes()).writeBytes(source, source.readerIndex(),
                    source.readableBytes());
            int questionLength = info.questionEnd() - Dns.HEADER_LENGTH;
            if (copy.readableBytes() >= info.questionEnd()) {
                copy.setBytes(Dns.HEADER_LENGTH, query, query.readerIndex() + Dns.HEADER_LENGTH, questionLength);
                copy.setShort(2, (copy.getUnsignedShort(2) & ~Dns.FLAG_RD) | (Dns.flags(query) & Dns.FLAG_RD));
            }
        }
        return answer(copy, decision, reason);
    }

    /** Completes with a synthesized error reply (decision by rcode: malformed, not implemented, upstream failed). */
    public boolean fail(int rcode) {
        Decision d = rcode == Dns.RCODE_FORMERR ? Decision.MALFORMED
                : rcode == Dns.RCODE_NOTIMP ? Decision.NOT_IMPLEMENTED : Decision.UPSTREAM_FAILED;
        return fail(rcode, d, null);
    }

    /**
     * Completes with a synthesized error reply for {@code decision}. An upstream failure may be replaced by a
     * stale answer from the {@link CompletionHook}. Returns whether this call completed the exchange.
     */
    public boolean fail(int rcode, Decision decision, String reason) {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        this.reason = reason; // for the hook, which passes it on to queries that waited on this one
        CompletionHook h = hook;
        if (h != null && (decision == Decision.UPSTREAM_TIMEOUT || decision == Decision.UPSTREAM_FAILED)) {
            ByteBuf stale = h.failing(this, rcode, decision);
            if (stale != null) {
                complete(stale, Decision.STALE, decision.label());
                return true;
            }
        }
        ByteBuf reply;
        synchronized (this) {
            reply = Replies.error(alloc, query, info, rcode);
        }
        complete(reply, decision, reason);
        return true;
    }

    /** Sends {@code reply} (owned, final bytes) after recording the outcome and telling the observer. */
    private void complete(ByteBuf reply, Decision decision, String reason) {
        this.decision = decision;
        this.reason = reason;
        this.rcode = Dns.rcode(reply);
        if (decision == Decision.FORWARDED && !internal) {
            stats.answered.increment();
        }
        observer.completed(this);
        CompletionHook h = hook;
        if (h != null) {
            h.completed(this);
        }
        finish();
        responder.respond(this, reply);
    }

    private void finish() {
        if (!internal) {
            stats.completed.increment();
        }
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
