package dev.dotgate.dnssec;

import dev.dotgate.config.DnssecOptions;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Exchange;
import dev.dotgate.resolve.Resolver;
import dev.dotgate.wire.Dns;
import dev.dotgate.wire.DomainSet;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.ExtendedErrors;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * The DNSSEC stage, between the cache and forwarding, so the cache keeps answers with the verdict they got and a
 * hit is never validated again.
 *
 * <p>{@code validate}: the query goes upstream with DO and CD set (we validate; an upstream that validates too
 * would hide a bogus answer's reason behind its own SERVFAIL), through an internal exchange of the normal
 * forwarding. An answer that is neither NOERROR nor NXDOMAIN is passed on as it is. Otherwise it goes to dnsjava's
 * {@link ValidatingResolver}, which fetches the DNSKEY and DS records it needs through {@link ChainLookup} and
 * keeps the keys it proved: secure answers get AD, insecure ones are answered without it, bogus ones become
 * SERVFAIL with the validator's Extended DNS Error (6 Bogus, 7 Signature Expired, 8 Not Yet Valid, 9 DNSKEY
 * Missing, 10 RRSIGs Missing, 12 NSEC Missing, 1 and 2 for algorithms and digests). A signature outside its
 * validity period by at most {@code dnssec.clock_skew} is checked again with the clock moved by that much.
 * Queries with CD=1 (the client validates) and other classes than IN are passed on untouched; names under a
 * negative trust anchor are answered without AD and without validation.
 *
 * <p>{@code off}: the query goes upstream without DO and the answer loses AD; the gateway is not security-aware.
 * ({@code process} puts no stage in the chain.)
 *
 * <p>Threads: the stage, the chain's lookups ({@link ChainLookup}) and the verdict run on the client's event loop;
 * dnsjava runs some of its steps (and so some signature checks) on the JDK's common pool, from where each lookup
 * and the verdict are handed back to the loop ({@link Validation} is that executor). The whole validation of one
 * query must finish within twice the upstream timeout, else SERVFAIL (EDE 22); so must every lookup of its chain,
 * else SERVFAIL (EDE 22), even for a negative answer dnsjava would let through unproven.
 */
public final class DnssecStage implements Resolver {
    private static final Logger log = LoggerFactory.getLogger(DnssecStage.class);
    private static final int CLASS_IN = 1;

    private final boolean validate;
    private final Resolver next;
    private final DomainSet negativeAnchors;
    private final DnssecOptions options;
    private final ChainLookup head;
    /** Replaced whole when the trust anchors change: a validator's anchor store is not made to change live. */
    private volatile Validators validators;
    private final long deadlineMillis;
    private final Duration skew;
    private final DnssecCounters counters;

    /**
     * A stage over {@code next} (forwarding) for {@code options}' mode ({@code validate} or {@code off}), with
     * {@code anchors}; {@code timeout} is the upstream timeout.
     */
    public DnssecStage(DnssecOptions options, TrustAnchors anchors, Resolver next, Duration timeout,
            DnssecCounters counters) {
        this.validate = options.validates();
        this.next = next;
        this.counters = counters;
        this.deadlineMillis = 2 * timeout.toMillis();
        this.skew = options.clockSkew();
        DomainSet.Builder nta = DomainSet.builder();
        for (String n : options.negativeTrustAnchors()) {
            nta.add(n, DomainSet.SELF | DomainSet.BELOW, 0);
        }
        this.negativeAnchors = nta.build();
        this.options = options;
        if (validate) {
            FastSignatures.install();
            this.head = new ChainLookup(next, counters);
            this.validators = Validators.of(head, options, anchors);
        } else {
            this.head = null;
            this.validators = null;
        }
    }

    /**
     * Validates with {@code anchors} from now on (RFC 5011 found the root's keys changed): new validators, swapped
     * in whole (their key caches start empty); queries already being validated finish with the old ones.
     */
    public void useAnchors(TrustAnchors anchors) {
        if (validate) {
            validators = Validators.of(head, options, anchors);
        }
    }

    /**
     * Asks {@code question} (a query in dnsjava form, DO set) through this stage on {@code loop}, validated as a
     * client's would be; completes with the answer, or exceptionally when no upstream answered.
     */
    public CompletionStage<Message> ask(Message question, EventExecutor loop, ByteBufAllocator alloc) {
        CompletableFuture<Message> result = new CompletableFuture<>();
        byte[] wire = question.toWire();
        ByteBuf bytes = alloc.buffer(wire.length).writeBytes(wire);
        Exchange own = Exchange.internal(bytes, QueryInfo.parse(bytes), loop, alloc,
                ChainLookup.completing(result, question));
        try {
            loop.execute(() -> resolve(own));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            own.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "stopping"); // completes here, releasing all
        }
        return result;
    }

    @Override
    public void resolve(Exchange exchange) {
        ByteBuf query = exchange.query();
        QueryInfo info = exchange.info();
        if (validate && ((Dns.flags(query) & Dns.FLAG_CD) != 0 || info.qclass() != CLASS_IN)) {
            next.resolve(exchange);
            return;
        }
        boolean unchecked = !validate
                || negativeAnchors.match(query, query.readerIndex() + Dns.HEADER_LENGTH) != DomainSet.NO_MATCH;
        ByteBuf upstreamForm = upstreamForm(exchange);
        Exchange first = exchange.internalQuery(upstreamForm, QueryInfo.parse(upstreamForm),
                (e, reply) -> answered(exchange, e, reply, unchecked));
        next.resolve(first);
    }

    /** The client's query as it goes upstream: DO and CD set when validating, DO cleared when off. */
    private ByteBuf upstreamForm(Exchange exchange) {
        ByteBuf q = exchange.query();
        QueryInfo info = exchange.info();
        int length = q.readableBytes();
        ByteBuf out = exchange.alloc().buffer(length + (info.hasOpt() ? 0 : 11));
        out.writeBytes(q, q.readerIndex(), length);
        int doAt = info.optOffset() + 7; // name (1), type, class, extended rcode, version: then the flags
        if (validate) {
            out.setShort(2, out.getUnsignedShort(2) | Dns.FLAG_CD);
            if (info.hasOpt()) {
                out.setByte(doAt, out.getUnsignedByte(doAt) | 0x80);
            } else {
                Replies.writeOpt(out, true);
                Dns.setArcount(out, Dns.arcount(out) + 1);
            }
        } else if (info.hasOpt()) {
            out.setByte(doAt, out.getUnsignedByte(doAt) & 0x7F);
        }
        return out;
    }

    /** The upstream's answer to the client's question ({@code reply}, owned here) has come, on the loop. */
    private void answered(Exchange exchange, Exchange first, ByteBuf reply, boolean unchecked) {
        // The upstream's time is until this answer came, not until the chain was fetched and checked too.
        exchange.forwardedBy(first.forwarding(), first.attemptElapsedNanos());
        Decision d = first.decision();
        if (d.upstreamFailure()) {
            reply.release();
            exchange.fail(Dns.RCODE_SERVFAIL, d, first.reason());
            return;
        }
        int rcode = Dns.rcode(reply);
        if (!validate || (unchecked && exchange.info().dnssecOk())
                || (rcode != Dns.RCODE_NOERROR && rcode != Dns.RCODE_NXDOMAIN)) {
            passOn(exchange, reply);
            return;
        }
        try {
            byte[] raw = ByteBufUtil.getBytes(reply);
            reply.release();
            if (unchecked) {
                counters.insecure.increment();
                exchange.answer(ClientAnswer.of(new Message(raw), exchange.query(), exchange.info(), false,
                        exchange.alloc()), Decision.FORWARDED, "negative trust anchor");
                return;
            }
            Validators with = validators;
            Validation v = new Validation(exchange, raw, with);
            v.deadline = exchange.loop().schedule(() -> {
                if (exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_TIMEOUT, "dnssec chain")) {
                    log.debug("validation took longer than {} ms", deadlineMillis);
                }
            }, deadlineMillis, TimeUnit.MILLISECONDS);
            run(with.now(), v);
        } catch (IOException | RuntimeException e) {
            exchange.fail(Dns.RCODE_SERVFAIL, Decision.BOGUS, "unreadable answer: " + e.getMessage(),
                    ExtendedErrors.DNSSEC_BOGUS, null);
        }
    }

    private void run(ValidatingResolver with, Validation v) throws IOException {
        Exchange exchange = v.exchange();
        v.runs++;
        Message question = new Message(ByteBufUtil.getBytes(exchange.query()));
        // dnsjava runs some of its steps on the common pool: the verdict is taken back to the client's loop.
        with.sendAsync(question, v).whenCompleteAsync((m, err) -> finish(v, m, err), v);
    }

    /** The validator's verdict, on the loop. */
    private void finish(Validation v, Message m, Throwable err) {
        Exchange exchange = v.exchange();
        if (exchange.isDone()) {
            return;
        }
        if (err == null && !m.getHeader().getFlag(Flags.AD) && m.getRcode() != Rcode.SERVFAIL && v.chainFailed) {
            // dnsjava lets a negative answer through unproven when a lookup of its chain fails: nothing proved it
            // insecure either, so it is not passed on.
            v.deadline.cancel(false);
            exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "dnssec chain: a lookup got no answer");
            return;
        }
        if (err != null) {
            v.deadline.cancel(false);
            Throwable cause = root(err);
            if (cause instanceof IOException) {
                // A lookup of the chain got no answer: no upstream could prove the answer (EDE 22).
                exchange.fail(Dns.RCODE_SERVFAIL, Decision.UPSTREAM_FAILED, "dnssec chain: " + cause.getMessage());
            } else {
                // The validator could not make sense of the records it was given (it throws on some broken
                // proofs): as bogus as a signature that does not verify.
                log.debug("validator failed on {}: {}", exchange.info().name(exchange.query()), cause.toString());
                counters.bogus.increment();
                String text = "unusable DNSSEC records: " + cause.getMessage();
                exchange.fail(Dns.RCODE_SERVFAIL, Decision.BOGUS, text, ExtendedErrors.DNSSEC_BOGUS, clip(text));
            }
            return;
        }
        if (m.getRcode() == Rcode.SERVFAIL) {
            int code = ExtendedErrors.DNSSEC_BOGUS;
            String text = null;
            OPTRecord opt = m.getOPT();
            if (opt != null) {
                for (EDNSOption o : opt.getOptions(ExtendedErrors.OPTION)) {
                    code = ((ExtendedErrorCodeOption) o).getErrorCode();
                    text = ((ExtendedErrorCodeOption) o).getText();
                    break;
                }
            }
            if (code == ExtendedErrors.DNSSEC_BOGUS || code == ExtendedErrors.SIGNATURE_EXPIRED
                    || code == ExtendedErrors.SIGNATURE_NOT_YET_VALID) {
                SignatureTimes times = SignatureTimes.of(v.upstreamAnswer(), Instant.now(), skew);
                if (times.code() != ExtendedErrors.NONE) {
                    code = times.code();
                    if (times.withinSkew() && v.runs == 1) {
                        ValidatingResolver retry = code == ExtendedErrors.SIGNATURE_EXPIRED ? v.validators().earlier()
                                : v.validators().later();
                        if (retry != null) {
                            try {
                                v.prime();
                                run(retry, v);
                                return;
                            } catch (IOException e) {
                                // cannot happen: the same bytes parsed before
                            }
                        }
                    }
                }
            }
            counters.bogus.increment();
            v.deadline.cancel(false);
            exchange.fail(Dns.RCODE_SERVFAIL, Decision.BOGUS, text != null ? text : ExtendedErrors.name(code), code,
                    text == null ? null : clip(text));
            return;
        }
        boolean secure = m.getHeader().getFlag(Flags.AD);
        if (secure) {
            counters.secure.increment();
            if (v.runs > 1) {
                counters.skewed.increment();
            }
        } else {
            counters.insecure.increment();
        }
        v.deadline.cancel(false);
        exchange.answer(ClientAnswer.of(m, exchange.query(), exchange.info(), secure, exchange.alloc()),
                Decision.FORWARDED, null);
    }

    /** An answer not validated: passed on with AD cleared, CD and OPT as the client sent them. Takes it. */
    private static void passOn(Exchange exchange, ByteBuf reply) {
        QueryInfo info = exchange.info();
        int clientFlags = Dns.flags(exchange.query());
        reply.setShort(reply.readerIndex() + 2, (Dns.flags(reply) & ~(Dns.FLAG_AD | Dns.FLAG_CD))
                | (clientFlags & Dns.FLAG_CD));
        if (!info.hasOpt()) {
            EdnsOptions.stripHopByHop(reply, true); // the OPT we added on the way up
        }
        exchange.answer(reply, Decision.FORWARDED, null);
    }

    /** EXTRA-TEXT is for people: the validator's reason, cut to what fits an answer comfortably. */
    private static byte[] clip(String text) {
        String t = text;
        while (t.getBytes(StandardCharsets.UTF_8).length > 200) {
            t = t.substring(0, t.offsetByCodePoints(0, t.codePointCount(0, t.length()) - 1)); // whole characters
        }
        return t.getBytes(StandardCharsets.UTF_8);
    }

    private static Throwable root(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
