package dev.dotgate.resolve;

/**
 * One stage of the chain every query goes through, whatever its transport: access, policy, cache, forwarding, each
 * a decorator of the next with one job. A stage completes the exchange itself ({@link Exchange#answer},
 * {@link Exchange#fail}) or hands it on; a stage that wants the outcome adds an {@link Exchange.Listener} before
 * handing it on. The exchange is the promise of the answer (completed once, on the client's event loop), so a
 * stage allocates no promise of its own; see {@link Exchange} for why.
 *
 * <p>Called on the client's event loop. Must not block.
 */
@FunctionalInterface
public interface Resolver {
    void resolve(Exchange exchange);
}
