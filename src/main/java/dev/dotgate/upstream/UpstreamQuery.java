package dev.dotgate.upstream;

import dev.dotgate.wire.Padding;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;

/**
 * What an upstream needs from a query it is asked to send: the upstream's side of the seam to the resolver
 * chain, so {@code upstream} knows nothing of how a query got here. The implementation (the forwarding stage's
 * attempt) guards the query bytes, so every method is safe to call from the upstream's event loop while the query
 * completes on its client's loop; once it has completed, {@link #write} writes nothing and {@link #matches} is
 * false.
 *
 * <p>Buffers: the query bytes stay with the implementation; an upstream never holds on to them. {@link #complete}
 * takes ownership of the answer; every other method only reads or patches the buffer it is given.
 */
public interface UpstreamQuery {
    /** The parsed question and OPT of the client's query. */
    QueryInfo info();

    /** Whether the query has completed (answered, failed, timed out): an upstream may drop it then. */
    boolean isDone();

    /** The most bytes {@link #write} appends for {@code hop}, a length prefix not counted. */
    int maxLength(Padding.Hop hop);

    /**
     * Appends the query with {@code id} in place of the client's ID and its OPT options as {@code copy} wants them
     * ({@link Padding#writeQuery(ByteBuf, QueryInfo, ByteBuf, Padding.UpstreamCopy)}), preceded by a 2-byte
     * length when {@code lengthPrefix} (TCP framing). The question is the client's, letter case included; a caller
     * randomising the case does it in {@code out}. Returns false, writing nothing, once the query has completed.
     */
    boolean write(ByteBuf out, int id, Padding.UpstreamCopy copy, boolean lengthPrefix);

    /** Whether {@code answer} is for this query's question (case aside). False once the query has completed. */
    boolean matches(ByteBuf answer);

    /**
     * Writes the client's question name (its letter case) over the question of {@code answer}, which
     * {@link #matches} accepted: for an upstream that sent another case (0x20). Does nothing once completed; does
     * not take ownership of {@code answer}.
     */
    void restoreQuestion(ByteBuf answer);

    /** The upstream's answer. Takes ownership of {@code answer} (released if the query completed meanwhile). */
    void complete(ByteBuf answer);

    /**
     * This attempt was lost before an answer (connection died, upstream down or full): the caller may retry
     * elsewhere. Ignored once completed.
     */
    void lost(Throwable cause);
}
