package dev.dotgate.resolve;

import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;

/**
 * What every stage reads about a query and nobody changes: the query bytes, the parsed {@link QueryInfo}, the
 * client, the transport, the client connection's event loop, what the listener attached, and whether the gateway
 * asked it itself. The {@link Exchange} is this context and the completion of its answer in one object (one
 * allocation per query); this class holds the immutable half.
 */
public abstract class QueryContext {
    static final byte CLIENT = 0;
    static final byte PREFETCH = 1;
    static final byte CHASE = 2;

    final ByteBuf query;
    final QueryInfo info;
    final Transport transport;
    final InetSocketAddress client;
    final EventExecutor loop;
    private final ByteBufAllocator alloc;
    private final int queryLength;
    private final Object attachment;
    private final byte kind;
    private final long startNanos = System.nanoTime();

    QueryContext(ByteBuf query, QueryInfo info, Transport transport, InetSocketAddress client, EventExecutor loop,
            ByteBufAllocator alloc, Object attachment, byte kind) {
        this.query = query;
        this.queryLength = query.readableBytes();
        this.alloc = alloc;
        this.info = info;
        this.transport = transport;
        this.client = client;
        this.loop = loop;
        this.attachment = attachment;
        this.kind = kind;
    }

    /**
     * The query bytes, owned by the {@link Exchange} until it completes. For the stages on the loop before the exchange completes (policy,
     * cache lookup), listeners and the observer; another thread uses {@link #bytesLocked}.
     */
    public ByteBuf query() {
        return query;
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

    /**
     * The allocator replies come from: the client connection's (pooled), whatever buffer the query came in (a DoH
     * GET's query is a wrapped, unpooled array).
     */
    public ByteBufAllocator alloc() {
        return alloc;
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

    /** The query's length, kept when it arrived: readable from any thread, even once the bytes are released. */
    public int queryLength() {
        return queryLength;
    }

    public long startNanos() {
        return startNanos;
    }

}
