package dev.dotgate.dnssec;

import dev.dotgate.resolve.Exchange;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.Executor;
import org.xbill.DNS.Message;

/**
 * One client query being validated: the executor that takes dnsjava's verdict back to the client's event loop
 * and, passed down to every lookup the validator makes, what each lookup of the chain is made for
 * ({@link ChainLookup}). It carries the upstream's answer to the client's own question, handed to the validator's
 * first lookup instead of asking again, and whether any lookup of the chain failed.
 */
final class Validation implements Executor {
    private final Exchange exchange;
    private final byte[] raw;
    private final Validators validators;
    private volatile Message primed;
    /** Validation runs made (on the loop): a second one with a clock shifted by the skew tolerance. */
    int runs;
    /** The deadline of the whole validation (set and cancelled on the loop). */
    ScheduledFuture<?> deadline;
    /** Whether a lookup of the chain failed (no upstream answered it); set on the loop, read there. */
    volatile boolean chainFailed;

    /** For {@code exchange}, whose upstream answer was {@code raw} (wire form), judged by {@code validators}. */
    Validation(Exchange exchange, byte[] raw, Validators validators) throws IOException {
        this.exchange = exchange;
        this.raw = raw;
        this.validators = validators;
        prime();
    }

    /** The stage's validators this query started with (a retry uses the same set). */
    Validators validators() {
        return validators;
    }

    /** Makes the upstream answer the next lookup's again (for a second run). */
    void prime() throws IOException {
        this.primed = new Message(raw);
    }

    /** The upstream's answer to the client's question, parsed afresh. */
    Message upstreamAnswer() {
        try {
            return new Message(raw);
        } catch (IOException e) {
            throw new IllegalStateException("parsed before, unreadable now", e);
        }
    }

    Exchange exchange() {
        return exchange;
    }

    /** The upstream answer when {@code query} asks the client's question, once; null otherwise. */
    Message takePrimed(Message query) {
        Message p = primed;
        if (p != null && p.getQuestion() != null && query.getQuestion() != null
                && p.getQuestion().getName().equals(query.getQuestion().getName())
                && p.getQuestion().getType() == query.getQuestion().getType()
                && p.getQuestion().getDClass() == query.getQuestion().getDClass()) {
            primed = null;
            return p;
        }
        return null;
    }

    /** Runs the validator's steps on the client's loop, queued after what is running now. */
    @Override
    public void execute(Runnable command) {
        exchange.loop().execute(command);
    }

}
