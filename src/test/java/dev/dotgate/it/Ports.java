package dev.dotgate.it;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports for test servers. */
public final class Ports {
    private Ports() {
    }

    /** Ports already handed out in this JVM: a port is never given twice, even once its test server is gone. */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A loopback port free for both TCP and UDP right now (servers such as Unbound take both), not handed out
     * before in this JVM.
     */
    public static int free() {
        IOException last = null;
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    DatagramSocket u = new DatagramSocket(s.getLocalPort(), InetAddress.getLoopbackAddress())) {
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                last = e; // UDP side taken: try another
            }
        }
        throw new AssertionError("no loopback port free for both TCP and UDP after 100 attempts", last);
    }

    /** Waits until something accepts TCP connections on 127.0.0.1:{@code port}. */
    public static void awaitListening(int port, long timeoutMillis) {
        awaitListening("127.0.0.1", port, timeoutMillis);
    }

    /** Waits until a TCP connect to {@code address:port} succeeds. */
    public static void awaitListening(String address, int port, long timeoutMillis) {
        Eventually.until(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        }, java.time.Duration.ofMillis(timeoutMillis), "something listening on " + address + ":" + port);
    }
}
