package dev.dotgate.resolve;

import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Queries and answers for the resolve tests, built by an independent encoder (dnsjava) into pooled buffers. */
final class Wire {
    static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 5353);

    private Wire() {
    }

    static Message query(String name, int id) throws IOException {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        m.getHeader().setID(id);
        return m;
    }

    /** The upstream's answer to {@code query} (under {@code id}): one A record. */
    static ByteBuf answer(Message query, int id, String address) throws IOException {
        Message a = new Message(id);
        a.getHeader().setFlag(Flags.QR);
        a.getHeader().setFlag(Flags.RD);
        a.getHeader().setFlag(Flags.RA);
        a.addRecord(query.getQuestion(), Section.QUESTION);
        a.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 300, InetAddress.getByName(address)),
                Section.ANSWER);
        return buf(a);
    }

    /**
     * {@code m} in an unpooled buffer: a released pooled buffer object can be handed out again by the pool (and its
     * refCnt be 1 again), so the tests' refCnt() checks after release are only sound on unpooled buffers.
     */
    static ByteBuf buf(Message m) {
        byte[] wire = m.toWire();
        return UnpooledByteBufAllocator.DEFAULT.buffer(wire.length).writeBytes(wire);
    }

    static Message parse(ByteBuf b) throws IOException {
        return new Message(ByteBufUtil.getBytes(b));
    }

    /** A responder that keeps every reply (owned by it until {@link #release}) and the thread it ran on. */
    static final class Replies implements Responder {
        final List<ByteBuf> replies = new ArrayList<>();
        final List<Exchange> exchanges = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();

        @Override
        public synchronized void respond(Exchange exchange, ByteBuf answer) {
            replies.add(answer);
            exchanges.add(exchange);
            threads.add(Thread.currentThread());
            notifyAll();
        }

        synchronized ByteBuf await(int n) throws InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (replies.size() < n && System.nanoTime() < deadline) {
                wait(100);
            }
            return replies.size() < n ? null : replies.get(n - 1);
        }

        synchronized void release() {
            replies.forEach(ByteBuf::release);
        }
    }

    /** A client exchange for {@code query} on {@code loop}, reported to {@code observer}. */
    static Exchange exchange(Message query, EventExecutor loop, Responder responder, QueryLifecycleObserver observer) {
        ByteBuf bytes = buf(query);
        return new Exchange(bytes, QueryInfo.parse(bytes), Transport.UDP, CLIENT, loop, bytes.alloc(), responder,
                observer, null);
    }
}
