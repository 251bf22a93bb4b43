package dev.dotgate.resolve;

import dev.dotgate.upstream.Upstream;
import dev.dotgate.wire.Dns;
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
 * One query on its way through the chain: its immutable context (the query bytes, the parsed {@link QueryInfo},
 * the client, the transport, the client's event loop, what the listener attached) and the promise of its answer,
 * completed exactly once, by an answer or a synthesized error, whichever comes first; later completions are
 * released and ignored. Its one job is that completion: whichever thread completes it, the outcome is delivered
 * on the client's event loop, where the {@link Listener}s see it, then the {@link QueryObserver}, then the
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
 */
public final class Exchange implements Runnable {
    /** A stage's view of the outcome. Called on the exchange's loop, before the observer and the responder. */
    public interface Listener {
        /**
         * The exchange is about to fail with {@code rcode} because no upstream answered ({@code decision} is
         * {@link Decision#UPSTREAM_TIMEOUT} or {@link Decision#UPSTREAM_FAILED}; {@link #reason} is set). Returns
         * a replacement answer (the caller takes ownership; it goes out as {@link Decision#STALE}), or null. The
         * first listener to return one wins.
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

    private static final AtomicIntegerFieldUpdater<Exchange> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "state");
    private static final int OPEN = 0;
    private static final int COMPLETING = 1;
    private static final int DELIVERED = 2;

    private final ByteBuf query;
    private final QueryInfo info;
    private final Transport transport;
    private final InetSocketAddress client;
    private final EventExecutor loop;
    private final Responder responder;
    private final QueryObserver observer;
    private final Object attachment;
    private final byte kind;
    private final long startNanos = System.nanoTime();
    private volatile int state;
    private boolean released; // guarded by this
    private Listener first;
    private Listener second;
    private Listener[] more;
    private ForwardingAttempt forwarding;
    // What a completion on another thread hands to the loop (written before the task is queued).
    private ByteBuf pendingAnswer;
    private int pendingRcode;
    private Decision pendingDecision;
    private String pendingReason;
    // The outcome, set on the loop at delivery.
    private Decision decision;
    private String reason;
    private int rcode = -1;

    private static final byte CLIENT = 0;
    private static final byte PREFETCH = 1;
    private static final byte CHASE = 2;

    /**
     * A client's query, read on {@code loop} (the client connection's event loop, where it completes). Takes
     * ownership of {@code query}; replies are allocated from its allocator. {@code observer} hears of the
     * completion (events, metrics); {@code attachment} is what the listener needs back then (its client's limit
     * state), or null.
     */
    public Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor loop, Responder responder, QueryObserver observer, Object attachment) {
        this(query, info, transport, client, loop, responder, observer, attachment, CLIENT);
    }

    private Exchange(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client,
            EventExecutor loop, Responder responder, QueryObserver observer, Object attachment, byte kind) {
        this.query = query;
        this.info = info;
        this.transport = transport;
        this.client = client;
        this.loop = loop;
        this.responder = responder;
        this.observer = observer;
        this.attachment = attachment;
        this.kind = kind;
    }

    /**
     * A query the gateway asks on its own behalf (a cache prefetch) with a copy of this exchange's query bytes:
     * not counted as a client query, not reported, its answer handed to {@code responder}. On the loop, before
     * this exchange has completed.
     */
    public Exchange internalCopy(Responder responder) {
        ByteBuf copy = alloc().buffer(query.readableBytes()).writeBytes(query, query.readerIndex(),
                query.readableBytes());
        return new Exchange(copy, info, transport, client, loop, responder, QueryObserver.NONE, null, PREFETCH);
    }

    /**
     * A query the gateway asks on this exchange's behalf with other bytes (the target of a local CNAME): like
     * {@link #internalCopy}, not counted, not reported, its answer handed to {@code responder}. Takes ownership of
     * {@code query}.
     */
    public Exchange internalQuery(ByteBuf query, QueryInfo info, Responder responder) {
        return new Exchange(query, info, transport, client, loop, responder, QueryObserver.NONE, null, CHASE);
    }

    /**
     * The query bytes, owned by the exchange. For the stages on the loop before the exchange completes (policy,
     * cache lookup), listeners and the observer; another thread uses {@link #bytesLocked}.
     */
    public ByteBuf query() {
        return query;
    }

    /** The query bytes, or null once released. Only while holding this exchange's monitor. */
    ByteBuf bytesLocked() {
        return released ? null : query;
    }

    /** Whether the gateway asked this itself (a prefetch, a local CNAME's target): not counted, not reported. */
    public boolean isInternal() {
        return kind != CLIENT;
    }

    /**
     * Whether this is a cache refresh no client waits for ({@link #internalCopy}): its failures are not counted and
     * it gets no stale answer. A local CNAME's target ({@link #internalQuery}) is internal but not a prefetch.
     */
    public boolean isPrefetch() {
        return kind == PREFETCH;
    }

    /** The allocator replies come from: the query buffer's. */
    public ByteBufAllocator alloc() {
        return query.alloc();
    }

    /** What the listener attached at intake; null when nothing was. */
    public Object attachment() {
        return attachment;
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

    /** The client connection's event loop: every stage, listener and the responder run here. */
    public EventExecutor loop() {
        return loop;
    }

    public int queryLength() {
        return query.readableBytes();
    }

    public long startNanos() {
        return startNanos;
    }

    /** Whether a completion has been accepted (it may still be on its way to the loop). Any thread. */
    public boolean isDone() {
        return state != OPEN;
    }

    /**
     * Adds {@code listener}, to hear the outcome. On the loop, before the exchange is handed on (so before anything
     * can deliver its completion).
     */
    public void listen(Listener listener) {
        if (first == null) {
            first = listener;
        } else if (second == null) {
            second = listener;
        } else {
            more = more == null ? new Listener[] {listener} : append(more, listener);
        }
    }

    private static Listener[] append(Listener[] a, Listener l) {
        Listener[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = l;
        return out;
    }

    /** The forwarding of this query (set by the forwarding stage, or taken from a CNAME target); null if none. */
    public ForwardingAttempt forwarding() {
        return forwarding;
    }

    /** Records who forwarded this query: for the observer (the upstream, its latency). On the loop. */
    public void forwardedBy(ForwardingAttempt attempt) {
        this.forwarding = attempt;
    }

    /** The upstream of the latest forwarding attempt, or null when the query was not forwarded. */
    public Upstream upstream() {
        ForwardingAttempt f = forwarding;
        return f == null ? null : f.upstream();
    }

    /** Nanoseconds from the start of the latest upstream attempt to now. */
    public long attemptElapsedNanos() {
        ForwardingAttempt f = forwarding;
        return f == null ? 0 : f.attemptElapsedNanos();
    }

    /** How the exchange completed; null until delivered. */
    public Decision decision() {
        return decision;
    }

    /** Detail of the decision (the blocking list, "acl" ...); may be null. */
    public String reason() {
        return reason;
    }

    /** The response code sent back, or -1 until delivered. */
    public int rcode() {
        return rcode;
    }

    /** Completes with an upstream's {@code answer}: {@link #answer(ByteBuf, Decision, String)} as FORWARDED. */
    public boolean answer(ByteBuf answer) {
        return answer(answer, Decision.FORWARDED, null);
    }

    /**
     * Completes with {@code answer}; the client's ID goes in. Takes ownership of {@code answer}; releases it when
     * already completed. Any thread. Returns whether this call completed the exchange.
     */
    public boolean answer(ByteBuf answer, Decision decision, String reason) {
        if (!STATE.compareAndSet(this, OPEN, COMPLETING)) {
            answer.release();
            return false;
        }
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
        if (!STATE.compareAndSet(this, OPEN, COMPLETING)) {
            return false;
        }
        deliver(null, rcode, decision, reason);
        return true;
    }

    /** Delivers on the loop: at once when already there, else with this exchange as the task. */
    private void deliver(ByteBuf answer, int failRcode, Decision decision, String reason) {
        if (loop.inEventLoop()) {
            complete(answer, failRcode, decision, reason);
            return;
        }
        pendingAnswer = answer;
        pendingRcode = failRcode;
        pendingDecision = decision;
        pendingReason = reason;
        try {
            loop.execute(this); // the queue's hand-off publishes the fields above
        } catch (RejectedExecutionException e) { // the loop is shutting down: nobody to answer
            if (answer != null) {
                answer.release();
            }
            releaseQuery();
        }
    }

    /** Internal: delivers a completion made on another thread. Runs once, on the loop. */
    @Override
    public void run() {
        if (state == COMPLETING) {
            ByteBuf answer = pendingAnswer;
            pendingAnswer = null;
            complete(answer, pendingRcode, pendingDecision, pendingReason);
        }
    }

    private void complete(ByteBuf answer, int failRcode, Decision decision, String reason) {
        ByteBuf reply = answer;
        this.reason = reason;
        if (reply == null) {
            if (decision == Decision.UPSTREAM_TIMEOUT || decision == Decision.UPSTREAM_FAILED) {
                reply = recover(failRcode, decision);
            }
            if (reply != null) {
                reason = decision.label();
                decision = Decision.STALE;
            } else {
                reply = Replies.error(alloc(), query, info, failRcode);
            }
        } else {
            Dns.setId(reply, Dns.id(query));
        }
        this.decision = decision;
        this.reason = reason;
        this.rcode = Dns.rcode(reply);
        state = DELIVERED;
        notify(first, reply);
        notify(second, reply);
        if (more != null) {
            for (Listener l : more) {
                notify(l, reply);
            }
        }
        observer.completed(this);
        releaseQuery();
        responder.respond(this, reply);
    }

    private ByteBuf recover(int failRcode, Decision decision) {
        ByteBuf r = first == null ? null : first.recover(this, failRcode, decision);
        if (r == null && second != null) {
            r = second.recover(this, failRcode, decision);
        }
        if (r == null && more != null) {
            for (Listener l : more) {
                if ((r = l.recover(this, failRcode, decision)) != null) {
                    break;
                }
            }
        }
        return r;
    }

    private void notify(Listener l, ByteBuf reply) {
        if (l != null) {
            l.completed(this, reply);
        }
    }

    private synchronized void releaseQuery() {
        if (!released) {
            released = true;
            query.release();
        }
    }
}
