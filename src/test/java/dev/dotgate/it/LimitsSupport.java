package dev.dotgate.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

/**
 * What the client-limit tests share: sockets bound to a chosen loopback source (127.0.0.2 plays the attacker,
 * 127.0.0.3 the victim), a paced UDP sender, a slow UDP upstream, and reading a counter from the metrics text.
 */
final class LimitsSupport {
    static final String ATTACKER = "127.0.0.2";
    static final String VICTIM = "127.0.0.3";

    private LimitsSupport() {
    }

    static DatagramSocket udpFrom(String source) throws IOException {
        return new DatagramSocket(new InetSocketAddress(source, 0));
    }

    static Socket tcpFrom(String source, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
        return s;
    }

    /** One UDP query from {@code source}; null on timeout. */
    static Message udpAsk(String source, InetSocketAddress server, String name, int id, int timeoutMillis)
            throws IOException {
        try (DatagramSocket s = udpFrom(source)) {
            s.setSoTimeout(timeoutMillis);
            byte[] q = DnsClient.query(name, Type.A, id).toWire();
            s.send(new DatagramPacket(q, q.length, server));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return new Message(java.util.Arrays.copyOf(buf, p.getLength()));
        }
    }

    /** One query over a new TCP connection from {@code source}; throws when the connection is closed on it. */
    static Message tcpAsk(String source, int port, String name, int id) throws IOException {
        try (Socket s = tcpFrom(source, port)) {
            s.setSoTimeout(3000);
            DnsClient.writeFramed(new java.io.DataOutputStream(s.getOutputStream()),
                    DnsClient.query(name, Type.A, id).toWire());
            return DnsClient.readFramed(new DataInputStream(s.getInputStream()));
        }
    }

    /** Whether the gateway has closed {@code s}: a read sees the end of the stream within {@code millis}. */
    static boolean closedByPeer(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /**
     * Sends {@code name} queries (with {@code distinct}, a counter label in front of it) from {@code socket} at
     * about {@code perSecond} for {@code millis}; returns how many were sent. Bounded: stops by itself.
     */
    static int flood(DatagramSocket socket, InetSocketAddress server, String name, boolean distinct, int perSecond,
            long millis) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        Pace pace = Pace.every(java.time.Duration.ofNanos(1_000_000_000L / perSecond));
        int sent = 0;
        byte[] fixed = DnsClient.query(name, Type.A, 1).toWire();
        while (System.nanoTime() < end) {
            byte[] q = distinct ? DnsClient.query("q" + sent + "." + name, Type.A, sent & 0xFFFF).toWire() : fixed;
            if (!distinct) {
                q[0] = (byte) (sent >> 8);
                q[1] = (byte) sent;
            }
            socket.send(new DatagramPacket(q, q.length, server));
            sent++;
            pace.next();
        }
        return sent;
    }

    /** Reads answers on {@code socket} until it is closed; counts all and those with TC=1. */
    static final class Receiver implements AutoCloseable {
        final AtomicInteger answers = new AtomicInteger();
        final AtomicInteger truncated = new AtomicInteger();
        private final Thread thread;

        Receiver(DatagramSocket socket) {
            thread = new Thread(() -> {
                byte[] buf = new byte[65535];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (IOException e) {
                        return;
                    }
                    answers.incrementAndGet();
                    if (p.getLength() > 3 && (buf[2] & 0x02) != 0) {
                        truncated.incrementAndGet();
                    }
                }
            }, "receiver");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            thread.join(3000);
        }
    }

    /** The value of a counter in the Prometheus text, the line holding {@code name} and every label given. */
    static double metric(GatewayFixture gw, String name, String... labels) {
        for (String line : gw.gateway.metrics().scrape().split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /**
     * A UDP upstream that answers every query (NOERROR, no records: the query sent back with QR set) after
     * {@code delayMillis}: one socket, one timer thread.
     */
    static final class SlowUpstream implements AutoCloseable {
        private final DatagramSocket socket;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        final AtomicInteger received = new AtomicInteger();

        SlowUpstream(long delayMillis) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            socket.setReceiveBufferSize(8 << 20);
            Thread t = new Thread(() -> {
                byte[] buf = new byte[4096];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (IOException e) {
                        return;
                    }
                    received.incrementAndGet();
                    byte[] answer = java.util.Arrays.copyOf(buf, p.getLength());
                    answer[2] |= (byte) 0x80; // QR
                    answer[3] = (byte) 0x80;  // RA, NOERROR
                    var to = p.getSocketAddress();
                    timer.schedule(() -> {
                        try {
                            socket.send(new DatagramPacket(answer, answer.length, to));
                        } catch (IOException e) {
                            // closed: the test is over
                        }
                    }, delayMillis, TimeUnit.MILLISECONDS);
                }
            }, "slow-upstream");
            t.setDaemon(true);
            t.start();
        }

        String uri() {
            return "udp://127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() {
            socket.close();
            timer.shutdownNow();
        }
    }
}
