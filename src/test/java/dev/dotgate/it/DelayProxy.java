package dev.dotgate.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay on loopback that holds every query for a while before passing it to a real resolver, and passes
 * the answer back: a slow upstream made from a fast one. With {@code delayMillis} of -1 it never forwards (an
 * upstream that swallows queries). Counts what it receives.
 */
public final class DelayProxy implements AutoCloseable {
    private final DatagramSocket front;
    private final InetSocketAddress target;
    private volatile long delayMillis;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger received = new AtomicInteger();
    private final Thread reader;

    public DelayProxy(InetSocketAddress target, long delayMillis) throws IOException {
        this.front = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        this.target = target;
        this.delayMillis = delayMillis;
        this.reader = new Thread(this::run, "delay-proxy");
        reader.setDaemon(true);
        reader.start();
    }

    /** From now on, holds each query this long (-1: swallows them). */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    public int port() {
        return front.getLocalPort();
    }

    public String uri() {
        return "udp://127.0.0.1:" + port();
    }

    public int received() {
        return received.get();
    }

    private void run() {
        byte[] buf = new byte[65535];
        while (!front.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                front.receive(p);
            } catch (IOException e) {
                return;
            }
            received.incrementAndGet();
            if (delayMillis < 0) {
                continue;
            }
            byte[] query = java.util.Arrays.copyOf(p.getData(), p.getLength());
            SocketAddress from = p.getSocketAddress();
            timer.schedule(() -> relay(query, from), delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void relay(byte[] query, SocketAddress from) {
        try (DatagramSocket back = new DatagramSocket()) {
            back.setSoTimeout(2000);
            back.send(new DatagramPacket(query, query.length, target));
            byte[] buf = new byte[65535];
            DatagramPacket answer = new DatagramPacket(buf, buf.length);
            back.receive(answer);
            front.send(new DatagramPacket(answer.getData(), answer.getLength(), from));
        } catch (IOException e) {
            // the test sees the missing answer
        }
    }

    @Override
    public void close() {
        front.close();
        timer.shutdownNow();
    }
}
