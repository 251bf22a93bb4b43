package dev.dotgate.resolve;

/**
 * One step of the chain every query goes through, whatever its transport. A resolver completes the exchange
 * itself ({@link Exchange#answer}, {@link Exchange#fail}) or hands it to the next resolver.
 */
public interface Resolver {
    void resolve(Exchange exchange);
}
