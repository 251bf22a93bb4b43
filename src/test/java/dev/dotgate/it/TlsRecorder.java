package dev.dotgate.it;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A DNS-over-TLS relay on loopback in front of a real Unbound's DoT port: it terminates the gateway's TLS with the
 * Unbound test certificate, passes every framed message on over its own TLS connection to Unbound and back, and
 * records the exact bytes of both (the queries as the gateway wrote them, the answers as Unbound wrote them). Also
 * counts connections and when the gateway closed each one. One thread per direction: a test tool, not a server.
 */
public final class TlsRecorder implements AutoCloseable {
    private final ServerSocket server;
    private final Unbound unbound;
    private final SSLContext toUnbound;
    private final List<byte[]> queries = new CopyOnWriteArrayList<>();
    private final List<byte[]> answers = new CopyOnWriteArrayList<>();
    private final List<Long> closedByGatewayNanos = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public TlsRecorder(Unbound unbound) throws Exception {
        this.unbound = unbound;
        java.nio.file.Path unboundDir = unbound.dir();
        SSLContext serverContext = ((JdkSslContext) SslContextBuilder.forServer(
                unboundDir.resolve("upstream.pem").toFile(), unboundDir.resolve("upstream.key").toFile())
                .sslProvider(SslProvider.JDK).build()).context();
        this.toUnbound = ((JdkSslContext) SslContextBuilder.forClient().trustManager(unbound.caFile().toFile())
                .sslProvider(SslProvider.JDK).build()).context();
        this.server = serverContext.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tls-recorder");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String uri() {
        return "tls://127.0.0.1:" + server.getLocalPort() + "#" + Unbound.AUTH_NAME;
    }

    /** Every query the gateway sent, as DNS messages (length prefix removed), in arrival order. */
    public List<byte[]> queries() {
        return List.copyOf(queries);
    }

    /** Every answer Unbound sent back, as DNS messages. */
    public List<byte[]> answers() {
        return List.copyOf(answers);
    }

    public int accepted() {
        return accepted.get();
    }

    /** Connections from the gateway still open. */
    public int open() {
        return open.get();
    }

    /** {@link System#nanoTime()} of each close by the gateway (end of stream on its side). */
    public List<Long> closedByGatewayNanos() {
        return List.copyOf(closedByGatewayNanos);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                SSLSocket gateway = (SSLSocket) server.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                SSLSocket upstream = (SSLSocket) toUnbound.getSocketFactory().createSocket();
                upstream.connect(new InetSocketAddress("127.0.0.1", unbound.port()), 5000);
                sockets.add(gateway);
                sockets.add(upstream);
                start(() -> pump(gateway, upstream, queries, true));
                start(() -> pump(upstream, gateway, answers, false));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "tls-recorder-pump");
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to, List<byte[]> record, boolean fromGateway) {
        try {
            DataInputStream in = new DataInputStream(from.getInputStream());
            DataOutputStream out = new DataOutputStream(to.getOutputStream());
            while (true) {
                int len = in.readUnsignedShort();
                byte[] msg = new byte[len];
                in.readFully(msg);
                record.add(msg);
                out.writeShort(len);
                out.write(msg);
                out.flush();
            }
        } catch (EOFException e) {
            if (fromGateway) {
                closedByGatewayNanos.add(System.nanoTime());
            }
        } catch (IOException e) {
            // the other side went away
        } finally {
            if (fromGateway) {
                open.decrementAndGet();
            }
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
