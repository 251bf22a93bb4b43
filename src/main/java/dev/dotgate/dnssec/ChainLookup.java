package dev.dotgate.dnssec;

import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;

/**
 * What dnsjava's validator sends its queries through (its "head resolver"): the gateway's own forwarding, so the
 * DNSKEY and DS records of the chain come from the same upstreams, by the same routes, with the same retries, as
 * the answer they prove, and the client-facing policy (allowlist, blocklists) never sees them.
 *
 * <p>Each call must come with the {@link Validation} of the client query as its executor (the validator passes
 * the executor it was given down to every query it makes): that gives the event loop, the allocator and the
 * exchange the lookup is made for. The validator's first query is the client's own question, whose answer the
 * stage already has: it is handed back at once ({@link Validation#takePrimed}).
 */
final class ChainLookup implements org.xbill.DNS.Resolver {
    private final Resolver forwarding;
    private final DnssecCounters counters;

    ChainLookup(Resolver forwarding, DnssecCounters counters) {
        this.forwarding = forwarding;
        this.counters = counters;
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        if (!(executor instanceof Validation)) {
            return CompletableFuture.failedFuture(new IOException("a chain query without its client query"));
        }
        Validation v = (Validation) executor;
        Message primed = v.takePrimed(query);
        if (primed != null) {
            return CompletableFuture.completedFuture(primed);
        }
        Exchange client = v.exchange();
        CompletableFuture<Message> answer = new CompletableFuture<>();
        // dnsjava may ask from the common pool: the lookup starts on the client's loop, as forwarding expects.
        if (client.loop().inEventLoop()) {
            start(v, query, answer);
        } else {
            try {
                client.loop().execute(() -> start(v, query, answer));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                answer.completeExceptionally(new IOException("stopping"));
            }
        }
        return answer.whenComplete((m, e) -> {
            if (e != null) {
                v.chainFailed = true;
            }
        });
    }

    /** Sends {@code query} through forwarding as an internal exchange of the client's; on the loop. */
    private void start(Validation v, Message query, CompletableFuture<Message> answer) {
        Exchange client = v.exchange();
        if (client.isDone()) {
            answer.completeExceptionally(new IOException("the client query already completed"));
            return;
        }
        Message q = query.clone();
        if (q.getOPT() == null) {
            q.addRecord(new OPTRecord(Dns.OUR_UDP_SIZE, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        }
        byte[] wire = q.toWire();
        ByteBuf bytes = client.alloc().buffer(wire.length).writeBytes(wire);
        QueryInfo info = QueryInfo.parse(bytes);
        counters.chainQueries.increment();
        forwarding.resolve(client.internalQuery(bytes, info, completing(answer, query)));
    }

    /**
     * The responder of an internal exchange asking {@code query}: completes {@code answer} with the reply, parsed,
     * or exceptionally when no upstream answered; releases the reply.
     */
    static Responder completing(CompletableFuture<Message> answer, Message query) {
        return (e, reply) -> {
            try {
                if (e.decision().upstreamFailure()) {
                    answer.completeExceptionally(new IOException("no upstream answered "
                            + query.getQuestion().getName() + " " + Type.string(query.getQuestion().getType())));
                } else {
                    answer.complete(new Message(ByteBufUtil.getBytes(reply)));
                }
            } catch (IOException ex) {
                answer.completeExceptionally(ex);
            } finally {
                reply.release();
            }
        };
    }

    // The validator sets DO on its head resolver (every lookup above carries it) and may tune the rest, which the
    // gateway's upstreams decide for themselves.
    @Override
    public void setPort(int port) {
    }

    @Override
    public void setTCP(boolean flag) {
    }

    @Override
    public void setIgnoreTruncation(boolean flag) {
    }

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
    }

    @Override
    public void setTSIGKey(TSIG key) {
    }

    @Override
    public void setTimeout(Duration timeout) {
    }
}
