package dev.dotgate.resolve;

import io.netty.buffer.ByteBuf;

/** Sends a finished answer back to the client on the transport the query came in on. */
@FunctionalInterface
public interface Responder {
    /** For queries the gateway asks itself (prefetch): the answer was already used on its way, drop it. */
    Responder DISCARD = (exchange, answer) -> answer.release();

    /**
     * Delivers {@code answer} (the client's ID already set) for {@code exchange}. Takes ownership of
     * {@code answer}. Called exactly once per exchange, on the exchange's event loop ({@link Exchange#loop}).
     */
    void respond(Exchange exchange, ByteBuf answer);
}
