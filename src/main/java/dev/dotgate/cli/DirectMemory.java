package dev.dotgate.cli;

import org.slf4j.Logger;

/**
 * Makes Netty count and cap its own direct memory. Without this, on JDK 9+ Netty cannot reach the JDK's
 * no-cleaner direct buffer constructor and falls back to {@code ByteBuffer.allocateDirect}, whose limit check
 * ({@code java.nio.Bits.reserveMemory}) sleeps and calls for a GC when direct memory runs short: an event loop
 * blocked there stops every connection it serves, UDP included. With Netty's own accounting an allocation over
 * the limit fails at once with {@code OutOfDirectMemoryError}, which closes only the connection that asked.
 *
 * <p>Two things are needed: the system property {@value #PROPERTY}=true, set here before any Netty class loads,
 * and {@code --add-opens java.base/java.nio=ALL-UNNAMED}, which the jar's manifest carries
 * ({@code Add-Opens}, honoured by {@code java -jar}). It also chooses the allocator ({@link #ALLOCATOR}).
 */
final class DirectMemory {
    static final String PROPERTY = "io.netty.tryReflectionSetAccessible";
    /**
     * The allocator: Netty's pooled one. Netty 4.2.18's default adaptive allocator keeps the chunks of a burst
     * once they are free (260 MB still held after 260 MB of 64 KiB buffers were allocated and released on two
     * event loops, where 4.2.7 went back to 3 MB and the pooled allocator to 8 MB), so after a memory attack the
     * buffered-bytes budget would stay spent and the memory held. The pooled allocator gives empty chunks back.
     */
    static final String ALLOCATOR = "io.netty.allocator.type";

    private DirectMemory() {
    }

    /** Call first thing in {@code main}; a value given on the command line (-D) is kept. */
    static void prepare() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "true");
        }
        if (System.getProperty(ALLOCATOR) == null) {
            System.setProperty(ALLOCATOR, "pooled");
        }
    }

    /** The allocator (debug), and how direct memory is accounted: debug when Netty counts it, info when it cannot. */
    static void report(Logger log) {
        log.debug("buffer allocator: {}", io.netty.buffer.ByteBufAllocator.DEFAULT.getClass().getSimpleName());
        if (io.netty.util.internal.PlatformDependent.useDirectBufferNoCleaner()) {
            log.debug("direct memory: counted by Netty, at most {} MiB; an allocation beyond fails at once",
                    io.netty.util.internal.PlatformDependent.maxDirectMemory() >> 20);
        } else {
            log.info("direct memory: Netty cannot count its own (run as java -jar dotgate.jar, or add "
                    + "--add-opens java.base/java.nio=ALL-UNNAMED -D{}=true); allocations may wait for the GC "
                    + "when it runs short", PROPERTY);
        }
    }
}
