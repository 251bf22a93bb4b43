package dev.dotgate.upstream;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Questions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The upstream's side of the seam, for tests of {@code upstream} alone: a query over its own bytes, written with
 * the real {@link Padding#writeQuery} and matched with {@link Questions#sameQuestion}, that records what the
 * upstream did with it. Owns its bytes until {@link #close}; answers it is given are kept for the test to read
 * and released by {@link #close}.
 */
final class TestQuery implements UpstreamQuery {
    final ByteBuf bytes;
    final QueryInfo info;
    final List<ByteBuf> answers = new ArrayList<>();
    final List<Throwable> losses = new ArrayList<>();
    /** Set by the test to make the query count as completed (a client that was answered otherwise). */
    volatile boolean done;

    TestQuery(ByteBuf bytes) {
        this.bytes = bytes;
        this.info = QueryInfo.parse(bytes);
    }

    /** A recursive query for {@code name} A. */
    static TestQuery of(String name) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        return new TestQuery(Unpooled.wrappedBuffer(q.toWire()));
    }

    @Override
    public QueryInfo info() {
        return info;
    }

    @Override
    public synchronized boolean isDone() {
        return done || !answers.isEmpty();
    }

    @Override
    public int maxLength(Padding.Hop hop) {
        return Padding.maxQueryLength(bytes.readableBytes(), hop);
    }

    @Override
    public synchronized boolean write(ByteBuf out, int id, Padding.UpstreamCopy copy, boolean lengthPrefix) {
        if (isDone()) {
            return false;
        }
        Padding.writeUpstreamQuery(bytes, info, out, copy, id, lengthPrefix);
        return true;
    }

    @Override
    public synchronized boolean matches(ByteBuf answer) {
        return !isDone() && Questions.sameQuestion(bytes, answer);
    }

    @Override
    public synchronized void restoreQuestion(ByteBuf answer) {
        answer.setBytes(answer.readerIndex() + Dns.HEADER_LENGTH, bytes, bytes.readerIndex() + Dns.HEADER_LENGTH,
                info.questionEnd() - Dns.HEADER_LENGTH - 4);
    }

    @Override
    public synchronized void complete(ByteBuf answer) {
        answers.add(answer);
    }

    @Override
    public synchronized void lost(Throwable cause) {
        losses.add(cause);
    }

    /** Releases the bytes and every answer kept. */
    synchronized void close() {
        bytes.release();
        answers.forEach(ByteBuf::release);
    }
}
