package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw TCP clients of an HTTP server on loopback, each bound to its own source address, that send what they are
 * told (e.g. half a request) and then just hold the connection; for the tests of the small HTTP servers' limits.
 * {@link #closeAll} (and closing) closes every socket.
 */
public final class RawHttpClients implements AutoCloseable {
    /** One connection and when it was opened. */
    public record Client(Socket socket, long openedNanos) {
        /** Whether the server has closed this connection: EOF or a reset, waiting at most {@code waitMillis}. */
        public boolean closedByServer(int waitMillis) throws IOException {
            socket.setSoTimeout(Math.max(1, waitMillis));
            InputStream in = socket.getInputStream();
            try {
                byte[] buf = new byte[4096];
                long deadline = System.nanoTime() + waitMillis * 1_000_000L;
                while (true) {
                    if (in.read(buf) < 0) {
                        return true;
                    }
                    // an answer (e.g. 431) before the close: read on
                    int left = (int) ((deadline - System.nanoTime()) / 1_000_000L);
                    if (left <= 0) {
                        return false;
                    }
                    socket.setSoTimeout(left);
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true; // reset
            }
        }

        /** Milliseconds from the open to the server's close, waiting until {@code deadlineNanos}; -1 if still open. */
        public long millisUntilClosed(long deadlineNanos) throws IOException {
            int wait = (int) Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000L);
            if (!closedByServer(wait)) {
                return -1;
            }
            return (System.nanoTime() - openedNanos) / 1_000_000L;
        }
    }

    private final List<Client> clients = new ArrayList<>();

    /** Opens a connection from {@code source} to {@code server} and sends {@code send} (may be empty). */
    public Client open(String source, InetSocketAddress server, String send) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(server, 3000);
        Client c = new Client(s, System.nanoTime());
        clients.add(c);
        if (!send.isEmpty()) {
            s.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        return c;
    }

    /**
     * Opens {@code count} connections spread over the source addresses {@code prefix + 1}, {@code prefix + 2}...
     * with {@code perSource} from each, each sending {@code send}.
     */
    public List<Client> openMany(int count, String prefix, int perSource, InetSocketAddress server, String send)
            throws IOException {
        List<Client> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(open(prefix + (1 + i / perSource), server, send));
        }
        return out;
    }

    /** Asserts every one of {@code some} is still open (the server has not closed it). */
    public static void assertOpen(List<Client> some) throws IOException {
        for (Client c : some) {
            assertThat(c.closedByServer(1)).as("connection from " + c.socket().getLocalAddress() + " still open")
                    .isFalse();
        }
    }

    @Override
    public void close() {
        closeAll();
    }

    /**
     * Closes every socket opened so far and returns once the server has seen each close: each client half-closes
     * (FIN) and waits, up to {@code waitMillis}, for the server to close its side in turn. After it, the server
     * counts none of them among its connections, so a test need not guess how long that takes.
     */
    public void closeAllSeenByServer(int waitMillis) throws IOException {
        for (Client c : clients) {
            if (!c.socket().isClosed() && !c.socket().isOutputShutdown()) {
                try {
                    c.socket().shutdownOutput();
                } catch (IOException e) {
                    continue; // reset already: the server has closed it
                }
            }
            assertThat(c.closedByServer(waitMillis)).as("the server closed its side after the client's").isTrue();
        }
        closeAll();
    }

    /** Closes every socket opened so far; more may be opened afterwards. */
    public void closeAll() {
        for (Client c : clients) {
            try {
                c.socket().close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        clients.clear();
    }
}
