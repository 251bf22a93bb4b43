package dev.dotgate.policy;

import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.resolve.Responder;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Follows a local CNAME whose chain leaves the local names. The target is asked, with the client's question type,
 * through the whole resolver chain, so policy, the cache and the upstreams treat it like any query. The client
 * gets the local chain followed by the target's records and the target's rcode: NXDOMAIN or SERVFAIL
 * (RFC 6604). A resolver answering for an alias gives the chain and the data (RFC 1034 section 3.6.2), and many
 * stub resolvers do not follow a bare CNAME themselves. The client's query is reported (events, metrics) with
 * the target's outcome and reason (forwarded, cached, blocked by a list, refused by the allowlist, timed out) and
 * the upstream the target went to, if any.
 *
 * <p>Only this rare path parses and builds whole messages (dnsjava): the local answer, the target's answer and
 * the merged one.
 */
final class CnameChase implements Responder {
    private static final Logger log = LoggerFactory.getLogger(CnameChase.class);

    private final Exchange client;
    private final byte[] chain;

    private CnameChase(Exchange client, byte[] chain) {
        this.client = client;
        this.chain = chain;
    }

    /**
     * Asks {@code target} through {@code resolver} and completes {@code exchange} with {@code localAnswer} (the
     * chain; taken over) plus the target's answer.
     */
    static void start(Exchange exchange, ByteBuf localAnswer, Name target, Resolver resolver) {
        byte[] chain = ByteBufUtil.getBytes(localAnswer);
        localAnswer.release();
        ByteBuf query;
        try {
            query = query(exchange, target);
        } catch (RuntimeException e) {
            log.warn("cannot ask {}, the CNAME target of a local name: {}", target, e.toString());
            answer(exchange, servfail(chain), Decision.UPSTREAM_FAILED, "cname target");
            return;
        }
        resolver.resolve(exchange.internalQuery(query, QueryInfo.parse(query), new CnameChase(exchange, chain)));
    }

    /** The query for {@code target}: the client's type, RD, CD, and EDNS (DO) when the client sent it. */
    private static ByteBuf query(Exchange exchange, Name target) {
        QueryInfo info = exchange.info();
        Message q = new Message();
        q.getHeader().setFlag(Flags.RD);
        if ((Dns.flags(exchange.query()) & Dns.FLAG_CD) != 0) {
            q.getHeader().setFlag(Flags.CD);
        }
        q.addRecord(Record.newRecord(target, info.qtype(), DClass.IN), Section.QUESTION);
        if (info.hasOpt()) {
            q.addRecord(new OPTRecord(Dns.OUR_UDP_SIZE, 0, 0, info.dnssecOk() ? ExtendedFlags.DO : 0),
                    Section.ADDITIONAL);
        }
        byte[] wire = q.toWire();
        return exchange.alloc().buffer(wire.length).writeBytes(wire);
    }

    /** The target's answer (or the error the gateway made for it) arrives: the client gets the chain plus it. */
    @Override
    public void respond(Exchange targetExchange, ByteBuf answer) {
        byte[] merged;
        Decision decision = targetExchange.decision() != null ? targetExchange.decision() : Decision.LOCAL;
        String reason = targetExchange.reason();
        try {
            merged = merge(chain, ByteBufUtil.getBytes(answer));
        } catch (IOException | RuntimeException e) {
            log.debug("unreadable answer for the CNAME target of a local name: {}", e.toString());
            merged = servfail(chain);
            decision = Decision.UPSTREAM_FAILED;
            reason = "cname target";
        } finally {
            answer.release();
        }
        // The target's forwarding is the client query's: its events and metrics name the upstream that answered
        // (or timed out), like those of a query forwarded directly.
        client.forwardedBy(targetExchange.forwarding());
        answer(client, merged, decision, reason);
    }

    private static void answer(Exchange client, byte[] message, Decision decision, String reason) {
        client.answer(client.alloc().buffer(message.length).writeBytes(message), decision, reason);
    }

    /**
     * The local chain, then the target's answer records; its rcode; its authority section (SOA for negative
     * caching, NSEC proofs) when the answer does not hold the asked type: NXDOMAIN, NODATA, or a chain that
     * ends in either.
     */
    static byte[] merge(byte[] chain, byte[] target) throws IOException {
        Message out = new Message(chain);
        Message in = new Message(target);
        Record[] answers = in.getSectionArray(Section.ANSWER);
        int qtype = in.getQuestion() != null ? in.getQuestion().getType() : -1;
        boolean data = false;
        for (Record r : answers) {
            out.addRecord(r, Section.ANSWER);
            data |= r.getType() == qtype;
        }
        if (!data || in.getHeader().getRcode() != Rcode.NOERROR) {
            for (Record r : in.getSectionArray(Section.AUTHORITY)) {
                out.addRecord(r, Section.AUTHORITY);
            }
        }
        out.getHeader().setRcode(in.getHeader().getRcode());
        return out.toWire();
    }

    private static byte[] servfail(byte[] chain) {
        byte[] out = chain.clone();
        out[3] = (byte) ((out[3] & 0xF0) | Dns.RCODE_SERVFAIL);
        return out;
    }
}
