package dev.dotgate.upstream;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.Padding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The queries of one {@link DatagramUpstream} sent on one event loop, in send order: their sockets, the sweep of
 * those that expired or went unanswered, and the checks on what comes back. Everything in it runs on that loop.
 */
final class DatagramLane {
    private final DatagramUpstream upstream;
    final EventLoop loop;
    private final int maxInflight;
    private final ScheduledFuture<?> ticker;
    private UdpQuery oldest;
    private UdpQuery newest;
    private int inflight;

    DatagramLane(DatagramUpstream upstream, EventLoop loop, int maxInflight) {
        this.upstream = upstream;
        this.loop = loop;
        this.maxInflight = maxInflight;
        this.ticker = loop.scheduleAtFixedRate(this::sweep, 100, 100, TimeUnit.MILLISECONDS);
    }

    void send(UpstreamQuery query) {
        if (upstream.closed) {
            query.lost(new IOException(upstream.name() + " is closed"));
            return;
        }
        if (query.isDone()) {
            return;
        }
        if (inflight >= maxInflight) {
            query.lost(new IOException(upstream.name() + ": " + inflight + " queries in flight already"));
            return;
        }
        QueryRandom random = QueryRandom.current();
        UdpQuery q = new UdpQuery(this, query, random.nextId(), upstream.spec.randomizeCase() ? random.nextLong() : 0,
                System.nanoTime());
        DatagramChannel channel;
        try {
            channel = upstream.channels.newChannel();
        } catch (RuntimeException e) { // out of file descriptors and the like
            query.lost(new IOException(upstream.name() + ": cannot open a socket: " + e.getMessage(), e));
            return;
        }
        channel.config().setRecvByteBufAllocator(DatagramUpstream.RECEIVE);
        channel.pipeline().addLast(q);
        q.channel = channel;
        link(q);
        ChannelFuture registered = loop.register(channel);
        if (registered.isDone() && !registered.isSuccess()) {
            finish(q);
            query.lost(new IOException(upstream.name() + ": cannot open a socket", registered.cause()));
            return;
        }
        // On the loop, registering and connecting a datagram socket complete at once; the kernel binds it to
        // a random ephemeral port.
        ChannelFuture connected = channel.connect(upstream.spec.address());
        if (connected.isDone()) {
            connected(q, connected);
        } else {
            connected.addListener(q);
        }
    }

    /** The socket of {@code q} is connected (or failed to): write the query. */
    void connected(UdpQuery q, ChannelFuture future) {
        if (q.finished) {
            return;
        }
        UpstreamQuery query = q.query;
        if (!future.isSuccess()) {
            finish(q);
            query.lost(new IOException(upstream.name() + ": " + future.cause().getMessage(), future.cause()));
            return;
        }
        ByteBuf out = q.channel.alloc().ioBuffer(query.maxLength(Padding.Hop.DATAGRAM));
        if (!query.write(out, q.id, upstream.copy, false)) {
            out.release();
            finish(q);
            return;
        }
        if (upstream.spec.randomizeCase()) {
            CaseMask.apply(out, out.readerIndex() + Dns.HEADER_LENGTH, q.caseMask);
        }
        q.channel.writeAndFlush(out, q.channel.voidPromise());
    }

    private void link(UdpQuery q) {
        q.prev = newest;
        if (newest == null) {
            oldest = q;
        } else {
            newest.next = q;
        }
        newest = q;
        inflight++;
    }

    /** Closes the socket of {@code q} and takes it out of the list. Idempotent. */
    private void finish(UdpQuery q) {
        if (q.finished) {
            return;
        }
        q.close();
        if (q.prev == null) {
            oldest = q.next;
        } else {
            q.prev.next = q.next;
        }
        if (q.next == null) {
            newest = q.prev;
        } else {
            q.next.prev = q.prev;
        }
        q.prev = null;
        q.next = null;
        inflight--;
    }

    /**
     * Every 100 ms: close the sockets of queries that expired or completed otherwise, and retry elsewhere what
     * a silent upstream left unanswered. Walks from the oldest query while they are older than the silence
     * bound, so the cost is the queries that need attention.
     */
    private void sweep() {
        long now = System.nanoTime();
        long lastAnswer = upstream.lastAnswerNanos;
        List<UpstreamQuery> silent = null;
        UdpQuery q = oldest;
        while (q != null && now - q.sentNanos > upstream.silentNanos) {
            UdpQuery next = q.next;
            if (q.query.isDone() || now - q.sentNanos > upstream.timeoutNanos) {
                finish(q);
            } else if (q.sentNanos - lastAnswer > 0) {
                // Nothing at all was accepted from the upstream since this query left.
                finish(q);
                if (silent == null) {
                    silent = new ArrayList<>();
                }
                silent.add(q.query);
            }
            q = next;
        }
        if (silent != null) {
            upstream.silent(silent, now);
        }
    }

    /**
     * A datagram on the socket of {@code q}. Taken only with the query's ID, question and (0x20) exact letter
     * case; anything else is counted and dropped, and the query waits on.
     */
    void onAnswer(UdpQuery q, DatagramPacket packet) {
        ByteBuf answer = packet.content();
        if (!packet.sender().equals(upstream.spec.address()) || answer.readableBytes() < Dns.HEADER_LENGTH
                || !Dns.isResponse(answer)) {
            upstream.totals.malformed.increment();
            packet.release();
            return;
        }
        UpstreamQuery query = q.query;
        if (q.finished || query.isDone()) {
            upstream.totals.late.increment();
            packet.release();
            return;
        }
        if (Dns.id(answer) != q.id || !query.matches(answer)) {
            (query.isDone() ? upstream.totals.late : upstream.totals.unmatched).increment();
            packet.release();
            return;
        }
        if (upstream.spec.randomizeCase()
                && !CaseMask.echoed(answer, answer.readerIndex() + Dns.HEADER_LENGTH, q.caseMask)) {
            upstream.totals.caseMismatch.increment();
            packet.release();
            return;
        }
        upstream.answered();
        finish(q);
        if (Dns.isTruncated(answer)) {
            packet.release();
            upstream.totals.truncatedRetriedTcp.increment();
            upstream.tcpFallback.send(query);
            return;
        }
        // No EDNS padding or keepalive to take out: writeDatagram leaves the client's out, and servers send
        // neither unless asked (RFC 7828 3.3.2, RFC 8467 4). A truncated answer goes to TCP, which strips them.
        query.restoreQuestion(answer);
        query.complete(answer);
    }

    void close() {
        ticker.cancel(false);
        List<UpstreamQuery> lost = new ArrayList<>();
        while (oldest != null) {
            lost.add(oldest.query);
            finish(oldest);
        }
        IOException cause = new IOException("gateway shutting down");
        for (UpstreamQuery e : lost) {
            e.lost(cause);
        }
    }
}
