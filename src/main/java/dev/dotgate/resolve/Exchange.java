package dev.dotgate.resolve;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.ExtendedErrors;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One query on its way through the chain: its immutable {@link QueryContext} and the promise of its answer,
 * completed exactly once, by an answer or a synthesized error, whichever comes first; later
 * completions are released and ignored. Its one job is that completion: whichever thread completes it, the outcome is delivered
 * on the client's event loop, where the observer hears the decision, the {@link Listener}s see it, then the
 * {@link QueryLifecycleObserver} hears it answered or failed, then the
 * {@link Responder} gets the reply.
 *
 * <p>Why the context is the promise: a query passes four stages, and a promise plus a listener object per stage
 * per query would be several allocations on the hottest path for what one object can carry. Listeners sit in two
 * fields and, beyond two, a small array; a cross-thread completion is handed to the loop with the exchange itself
 * as the task, so delivering allocates nothing. Stages still only see the answer by adding a listener
 * (like the lifecycle observer of Netty's {@code DnsNameResolver}), never by owning a slot.
 *
 * <p>Buffers: the exchange owns the query bytes until it has completed (released right before the reply goes to
 * the responder). {@link #answer} takes ownership of the answer; listeners and the observer are lent the reply;
 * the responder takes ownership of it. The query bytes may be read freely on the loop before completion; from
 * another thread (an upstream writing its copy) only while holding this exchange's monitor and checking
 * {@link #bytesLocked} (see {@link ForwardingAttempt}).
 *
 * <p>Completion state is written on the loop only; {@link #isDone} may be read anywhere.
 *
 * <p>Just over 300 lines, on purpose: the completion is one state machine (open, completing, delivered) whose
 * hand-off between threads, recovery, listeners and observer phases must be read together; split, its
 * happens-before reasoning would be spread over several classes.
 */
public final class Exchange extends QueryContext implements Runnable {
    /** A stage's view of the outcome. Called on the exchange's loop, before the observer and the responder. */
    public interface Listener {
        /**
         * About to fail with {@code rcode}: no upstream answered ({@code decision} UPSTREAM_TIMEOUT or _FAILED,
         * {@link #reason} set). Returns a replacement (caller owns it; sent as STALE) or null; the first wins.
         */
        default ByteBuf recover(Exchange exchange, int rcode, Decision decision) {
            return null;
        }

        /**
         * The exchange completed with {@code reply} ({@link #decision}, {@link #reason}, {@link #rcode} set, the
         * client's ID in place). {@code reply} is lent: read it, copy it, do not release it. The query bytes are
         * still readable.
         */
        void completed(Exchange exchange, ByteBuf reply);
    }

    /** The "client" of the gateway's own queries. */
    private static final InetSocketAddress OWN = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
    private static final AtomicIntegerFieldUpdater<Exchange> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "state");
    private static final int OPEN = 0, COMPLETING = 1, DELIVERED = 2;
    /** {@link #ede}: not looked for yet in an answer that came from elsewhere (an upstream, the cache). */
    private static final int EDE_UNKNOWN = -2;

    private final Responder responder;
    private final QueryLifecycleObserver observer;
    private volatile int state;
    private boolean released; // guarded by this
    private Listener first;
    private Listener second;
    private Listener[] more;
    private ForwardingAttempt forwarding;
    private long attemptNanos = -1;
    // A completion made on another thread, for the loop (written before the task is queued).
    private ByteBuf pendingAnswer;
    // The outcome: set on the loop at delivery; a completion from another thread stores decision, reason and the
    // failure's rcode here first, for the loop to finish.
    private Decision decision;
    private String reason;
    private int rcode = -1;
    // The extended error of the reply: given with the completion (a synthesized reply's, a stage's), or
    // EDE_UNKNOWN until looked for in an answer that came from elsewhere. Written with the completion as above.
    private int ede = ExtendedErrors.NONE;
    private byte[] edeText;

    /**
     * A client's query, read on {@code loop} (the client connection's event loop, where it completes). Takes
     * ownership of {@code query}; replies are allocated from its allocator. {@code observer} hears of the
     * completion (events, metrics); {@code attachment} is what the listener needs back then (its client's limit
     * state), or null.
     */
    public Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor loop, ByteBufAllocator alloc, Responder responder, QueryLifecycleObserver observer,
            Object attachment) {
        this(query, info, transport, client, loop, alloc, responder, observer, attachment, CLIENT);
    }

    private Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor loop, ByteBufAllocator alloc, Responder responder, QueryLifecycleObserver observer,
            Object attachment, byte kind) {
        super(query, info, transport, client, loop, alloc, attachment, kind);
        this.responder = responder;
        this.observer = observer;
    }

    /**
     * A query the gateway asks on its own behalf (a cache prefetch) with a copy of this exchange's query bytes:
     * not counted as a client query, not reported, its answer handed to {@code responder}. On the loop, before
     * this exchange has completed.
     */
    public Exchange internalCopy(Responder responder) {
        ByteBuf copy = alloc().buffer(query.readableBytes()).writeBytes(query, query.readerIndex(),
                query.readableBytes());
        return new Exchange(copy, info, transport, client, loop, alloc(), responder, QueryLifecycleObserver.NONE, null, PREFETCH);
    }

    /**
     * A query the gateway asks on its own behalf with no client query behind it (the trust-anchor refresh): on
     * {@code loop}, not counted, not reported, its answer handed to {@code responder}. Takes ownership of
     * {@code query}.
     */
    public static Exchange internal(ByteBuf query, QueryInfo info, EventExecutor loop, ByteBufAllocator alloc,
            Responder responder) {
        return new Exchange(query, info, Transport.UDP, OWN, loop, alloc, responder, QueryLifecycleObserver.NONE,
                null, CHASE);
    }

    /** Like {@link #internalCopy} with other bytes (a local CNAME's target). Takes ownership of {@code query}. */
    public Exchange internalQuery(ByteBuf query, QueryInfo info, Responder responder) {
        return new Exchange(query, info, transport, client, loop, alloc(), responder, QueryLifecycleObserver.NONE, null, CHASE);
    }

    /** Who hears this query's phases: for the forwarding attempt's {@code sentUpstream}. */
    QueryLifecycleObserver observer() {
        return observer;
    }

    /** The query bytes, or null once released. Only while holding this exchange's monitor. */
    ByteBuf bytesLocked() {
        return released ? null : query;
    }

    /** Whether a completion has been accepted (it may still be on its way to the loop). Any thread. */
    public boolean isDone() {
        return state != OPEN;
    }

    /** Adds {@code listener}. On the loop, before the exchange is handed on (so before it can complete). */
    public void listen(Listener listener) {
        if (first == null) {
            first = listener;
        } else if (second == null) {
            second = listener;
        } else {
            more = more == null ? new Listener[1] : Arrays.copyOf(more, more.length + 1);
            more[more.length - 1] = listener;
        }
    }

    /** The forwarding of this query (set by the forwarding stage, or taken from a CNAME target); null if none. */
    public ForwardingAttempt forwarding() {
        return forwarding;
    }

    /** Records who forwarded this query: for the observer (the upstream, its latency). On the loop. */
    public void forwardedBy(ForwardingAttempt attempt) {
        this.forwarding = attempt;
    }

    /**
     * {@link #forwardedBy(ForwardingAttempt)} of another exchange's attempt, whose upstream took
     * {@code attemptNanos}: the latency reported, however long this exchange takes after (a validation).
     */
    public void forwardedBy(ForwardingAttempt attempt, long attemptNanos) {
        this.forwarding = attempt;
        this.attemptNanos = attemptNanos;
    }

    /** The upstream of the latest forwarding attempt, or null when the query was not forwarded. */
    public Upstream upstream() {
        return forwarding == null ? null : forwarding.upstream();
    }

    /** Nanoseconds from the start of the latest upstream attempt to now (or to the answer, when given). */
    public long attemptElapsedNanos() {
        return attemptNanos >= 0 ? attemptNanos : forwarding == null ? 0 : forwarding.attemptElapsedNanos();
    }

    /** How the exchange completed; null until delivered. */
    public Decision decision() {
        return state == DELIVERED ? decision : null;
    }

    /** Detail of the decision (the blocking list, "acl" ...); may be null. */
    public String reason() {
        return reason;
    }

    /** The response code sent back, or -1 until delivered. */
    public int rcode() {
        return state == DELIVERED ? rcode : -1;
    }

    /**
     * The INFO-CODE of the extended error (RFC 8914) in {@code reply}, the reply this exchange was delivered with
     * (as lent to listeners and the observer), or {@link ExtendedErrors#NONE}: the one the gateway put there, or
     * the first one an upstream sent, looked for once. On the loop, after delivery.
     */
    public int ede(ByteBuf reply) {
        if (ede == EDE_UNKNOWN) {
            ede = ExtendedErrors.find(reply);
        }
        return ede;
    }

    /**
     * Completes with {@code answer}; the client's ID goes in. Takes ownership of {@code answer}; releases it when
     * already completed. Any thread. Returns whether this call completed the exchange.
     */
    public boolean answer(ByteBuf answer, Decision decision, String reason) {
        return answer(answer, decision, reason, EDE_UNKNOWN);
    }

    /**
     * {@link #answer(ByteBuf, Decision, String)} with an answer the caller made, whose extended error is
     * {@code ede} ({@link ExtendedErrors#NONE} for none): not looked for again.
     */
    public boolean answer(ByteBuf answer, Decision decision, String reason, int ede) {
        if (!STATE.compareAndSet(this, OPEN, COMPLETING)) {
            answer.release();
            return false;
        }
        this.ede = ede;
        deliver(answer, -1, decision, reason);
        return true;
    }

    /**
     * Completes with a copy of another query's answer to the same question: this query's ID and its question
     * bytes (the client's letter case and RD bit) go in. Does not take ownership of {@code source}. Any thread.
     */
    public boolean answerCopy(ByteBuf source, Decision decision, String reason) {
        ByteBuf copy;
        synchronized (this) {
            if (released || isDone()) {
                return false;
            }
            copy = alloc().buffer(source.readableBytes()).writeBytes(source, source.readerIndex(),
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
     * Completes with a synthesized error reply for {@code decision}; an upstream failure may be replaced by a
     * listener's {@link Listener#recover} answer. Any thread. Returns whether this call completed the exchange.
     */
    public boolean fail(int rcode, Decision decision, String reason) {
        return fail(rcode, decision, reason, defaultError(decision), null);
    }

    /**
     * {@link #fail(int, Decision, String)} with the extended error the reply carries when the client sent EDNS:
     * {@code ede} ({@link ExtendedErrors#NONE} for none) and its EXTRA-TEXT {@code text} (or null).
     */
    public boolean fail(int rcode, Decision decision, String reason, int ede, byte[] text) {
        if (!STATE.compareAndSet(this, OPEN, COMPLETING)) {
            return false;
        }
        this.ede = ede;
        this.edeText = text;
        deliver(null, rcode, decision, reason);
        return true;
    }

    /** The extended error a synthesized reply for {@code decision} carries. */
    private static int defaultError(Decision decision) {
        switch (decision) {
            case REFUSED_ACL:
            case REFUSED_ALLOWLIST:
                return ExtendedErrors.PROHIBITED;
            case UPSTREAM_TIMEOUT:
            case UPSTREAM_FAILED:
                return ExtendedErrors.NO_REACHABLE_AUTHORITY;
            default:
                return ExtendedErrors.NONE;
        }
    }

    /** Delivers on the loop: at once when already there, else with this exchange as the task. */
    private void deliver(ByteBuf answer, int failRcode, Decision decision, String reason) {
        if (loop.inEventLoop()) {
            complete(answer, failRcode, decision, reason);
            return;
        }
        pendingAnswer = answer;
        rcode = failRcode;
        this.decision = decision;
        this.reason = reason;
        try {
            loop.execute(this); // the queue's hand-off publishes the fields above
        } catch (RejectedExecutionException e) {
            // The loop is shutting down: complete here, so the listeners (a flight, the client's in-flight share)
            // and the counters still see the outcome; the responder's write fails and releases the reply.
            pendingAnswer = null;
            complete(answer, failRcode, decision, reason);
        }
    }

    /** Internal: delivers a completion made on another thread. Runs once, on the loop. */
    @Override
    public void run() {
        if (state == COMPLETING) {
            ByteBuf answer = pendingAnswer;
            pendingAnswer = null;
            complete(answer, rcode, decision, reason);
        }
    }

    private void complete(ByteBuf answer, int failRcode, Decision decision, String reason) {
        ByteBuf reply = answer;
        this.reason = reason;
        observer.decided(this, decision, reason);
        boolean synthesized = false;
        if (reply == null) {
            if (decision.upstreamFailure()) {
                reply = recover(failRcode, decision);
            }
            if (reply != null) {
                reason = decision.label();
                decision = Decision.STALE;
                ede = Dns.rcode(reply) == Dns.RCODE_NXDOMAIN ? ExtendedErrors.STALE_NXDOMAIN
                        : ExtendedErrors.STALE_ANSWER;
                reply = ExtendedErrors.withError(alloc(), reply, ede, null);
                Dns.setId(reply, Dns.id(query));
            } else {
                reply = Replies.error(alloc(), query, info, failRcode, ede, edeText);
                synthesized = true;
            }
            if (!info.hasOpt()) {
                ede = ExtendedErrors.NONE; // no EDNS, no OPT record: the reply says nothing more
            }
        } else {
            Dns.setId(reply, Dns.id(query));
        }
        this.decision = decision;
        this.reason = reason;
        this.rcode = Dns.rcode(reply);
        state = DELIVERED;
        if (first != null) {
            first.completed(this, reply);
        }
        if (second != null) {
            second.completed(this, reply);
        }
        for (int i = 0; more != null && i < more.length; i++) {
            more[i].completed(this, reply);
        }
        long elapsed = System.nanoTime() - startNanos();
        if (synthesized) {
            observer.failed(this, reply, elapsed);
        } else {
            observer.answered(this, reply, elapsed);
        }
        releaseQuery();
        responder.respond(this, reply);
    }

    private ByteBuf recover(int failRcode, Decision decision) {
        ByteBuf r = first == null ? null : first.recover(this, failRcode, decision);
        if (r == null && second != null) {
            r = second.recover(this, failRcode, decision);
        }
        for (int i = 0; r == null && more != null && i < more.length; i++) {
            r = more[i].recover(this, failRcode, decision);
        }
        return r;
    }

    private synchronized void releaseQuery() {
        if (!released) {
            released = true;
            query.release();
        }
    }
}
