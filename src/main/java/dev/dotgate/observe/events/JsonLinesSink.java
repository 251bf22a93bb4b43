package dev.dotgate.observe.events;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each event as one CloudEvents 1.0 JSON line (structured mode). {@link #emit} puts the event on a bounded
 * lock-free queue and returns; one daemon thread serializes and writes. When the queue is full the event is
 * dropped and counted. The writer flushes whenever the queue runs empty, so {@code tail -f} sees events promptly,
 * and at close.
 *
 * <p>Write errors (disk full, closed pipe) are logged once and never reach the query path: the events that were
 * buffered when the write failed count as dropped, and writing resumes with the next event on a fresh line.
 * {@link #written()} counts events whose bytes were flushed to the stream.
 *
 * <p>Each line: {@code {"specversion":"1.0","id":"…","source":"dotgate://HOST","type":"dev.dotgate.query",
 * "time":"2026-11-22T04:27:23.001234Z","datacontenttype":"application/json","data":{"client":"192.0.2.1",
 * "client_port":5353,"transport":"udp","name":"example.com.","type":"AAAA","rcode":"NOERROR",
 * "decision":"forwarded","reason":…,"upstream":…,"latency_us":812}}}; null fields, a negative rcode and an
 * unreadable type are left out.
 */
public final class JsonLinesSink implements EventSink {
    public static final int DEFAULT_CAPACITY = 65536;
    public static final Duration DEFAULT_CLOSE_WAIT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(JsonLinesSink.class);
    private static final int BUFFER_SIZE = 64 * 1024;
    /** Flushed at least this often while the queue stays busy, bounding what a write error can take with it. */
    private static final int FLUSH_EVERY = 128;
    /** Safety net for a missed wake-up; normally {@link #emit} wakes the writer. */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final VarHandle SLEEPING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(JsonLinesSink.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Queue<QueryEvent> queue;
    private final int capacity;
    private final OutputStream target;
    private final boolean closeTarget;
    private final String description;
    private final CloudEventWriter cloudEvents;
    private final JsonFactory json;
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private volatile long written;
    private volatile long writeErrors;
    private volatile boolean closed;
    @SuppressWarnings("unused") // through SLEEPING
    private volatile boolean sleeping;

    // Writer thread only.
    private JsonGenerator generator;
    private int pending;
    private boolean errorLogged;

    /**
     * Starts the writer thread.
     *
     * @param target      where the lines go
     * @param closeTarget whether {@link #close()} closes {@code target} (false for standard output: only flushed)
     * @param description names the target in log messages, e.g. the file path or "stdout"
     * @param capacity    events queued at most (rounded up to a power of two); beyond that they are dropped
     * @param source      the CloudEvents source attribute, e.g. {@code dotgate://host}
     */
    public JsonLinesSink(OutputStream target, boolean closeTarget, String description, int capacity, String source) {
        if (capacity < 1) {
            throw new IllegalArgumentException("events: queue capacity must be at least 1, not " + capacity);
        }
        this.queue = PlatformDependent.newFixedMpscQueue(Math.max(2, capacity));
        this.capacity = Math.max(2, Integer.highestOneBit(Math.max(2, capacity) - 1) << 1);
        this.target = target;
        this.closeTarget = closeTarget;
        this.description = description;
        this.cloudEvents = new CloudEventWriter(source);
        this.json = new JsonFactoryBuilder()
                .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                .rootValueSeparator((String) null)
                .build();
        this.generator = newGenerator();
        this.thread = new Thread(this::run, "dotgate-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** With the default source, {@code dotgate://HOSTNAME}. */
    public JsonLinesSink(OutputStream target, boolean closeTarget, String description, int capacity) {
        this(target, closeTarget, description, capacity, CloudEventWriter.defaultSource());
    }

    @Override
    public void emit(QueryEvent e) {
        if (e == null) {
            return;
        }
        if (closed || !queue.offer(e)) {
            dropped.increment();
            return;
        }
        if (sleeping && SLEEPING.compareAndSet(this, true, false)) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public long written() {
        return written;
    }

    /** How many times a write or flush failed. */
    public long writeErrors() {
        return writeErrors;
    }

    /** Events queued at most. */
    public int capacity() {
        return capacity;
    }

    /** Closes, waiting at most {@link #DEFAULT_CLOSE_WAIT} for the writer. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_WAIT);
    }

    /**
     * Stops taking events, lets the writer write out what is queued and flush, and waits for it at most
     * {@code wait}. Returns whether the writer finished; if not (its stream blocks), it is left to finish on its
     * own (a daemon thread) and what it still holds is neither written nor counted.
     */
    public synchronized boolean close(Duration wait) {
        boolean first = !closed;
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Math.max(1, wait.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            if (first) {
                log.warn("events: the writer to {} did not finish within {} ms; up to {} queued events are lost",
                        description, wait.toMillis(), queue.size());
            }
            return false;
        }
        // The writer is gone, so this thread may consume: anything that slipped in while it stopped is dropped.
        while (queue.poll() != null) {
            dropped.increment();
        }
        if (first && dropped() > 0) {
            log.warn("events: {} written to {}, {} dropped (queue full or write failed)", written, description,
                    dropped());
        }
        return true;
    }

    @Override
    public String toString() {
        return description;
    }

    private void run() {
        try {
            for (;;) {
                QueryEvent e = queue.poll();
                if (e != null) {
                    write(e);
                    continue;
                }
                flush();
                if (closed) {
                    if (queue.isEmpty()) {
                        break;
                    }
                    continue;
                }
                idle();
            }
        } finally {
            flush();
            try {
                if (closeTarget) {
                    target.close();
                } else {
                    target.flush();
                }
            } catch (IOException | RuntimeException e) {
                failed(e, 0);
            }
        }
    }

    private void idle() {
        sleeping = true;
        if (queue.isEmpty() && !closed) {
            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        sleeping = false;
    }

    private void write(QueryEvent e) {
        try {
            cloudEvents.write(generator, e);
            generator.writeRaw('\n');
            pending++;
        } catch (IOException | RuntimeException x) {
            failed(x, 1);
            return;
        }
        if (pending >= FLUSH_EVERY) {
            flush();
        }
    }

    private void flush() {
        if (pending == 0) {
            return;
        }
        try {
            generator.flush();
            written += pending;
            pending = 0;
        } catch (IOException | RuntimeException x) {
            failed(x, 0);
        }
    }

    /**
     * Counts the buffered events (and {@code current}) as dropped and starts over with a fresh buffer and
     * generator, beginning with a newline so a partly written line does not swallow the next event.
     */
    private void failed(Exception cause, int current) {
        dropped.add(pending + current);
        pending = 0;
        writeErrors++;
        if (!errorLogged) {
            errorLogged = true;
            log.warn("events: writing to {} failed: {}; events are counted as dropped while writes fail",
                    description, String.valueOf(cause.getMessage()));
        }
        generator = newGenerator();
        try {
            generator.writeRaw('\n');
        } catch (IOException | RuntimeException e) {
            // only buffered; a failure shows on the next flush
        }
    }

    private JsonGenerator newGenerator() {
        try {
            return json.createGenerator(new BufferedOutputStream(target, BUFFER_SIZE), JsonEncoding.UTF8);
        } catch (IOException e) {
            throw new IllegalStateException(e); // creating a generator over a stream does no I/O
        }
    }
}
