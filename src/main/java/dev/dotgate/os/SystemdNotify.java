package dev.dotgate.os;

import com.sun.jna.LastErrorException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state messages of {@code sd_notify(3)}, sent as datagrams to the AF_UNIX socket systemd names in
 * {@code $NOTIFY_SOCKET} (a path, or {@code @name} in the abstract namespace) when it runs the gateway as a
 * {@code Type=notify} service. Without that variable every call does nothing. A message that cannot be sent is
 * logged once and never stops the gateway.
 */
public final class SystemdNotify {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
    private static final int SUN_PATH = 108;

    private final byte[] address;
    private boolean warned;

    private SystemdNotify(byte[] address) {
        this.address = address;
    }

    /** The notifier for {@code $NOTIFY_SOCKET}, or one that sends nothing when it is unset or unusable. */
    public static SystemdNotify fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"));
    }

    /** The notifier for {@code socket} (as {@code $NOTIFY_SOCKET} spells it); null or empty sends nothing. */
    static SystemdNotify of(String socket) {
        if (socket == null || socket.isEmpty() || !(socket.startsWith("/") || socket.startsWith("@"))) {
            return new SystemdNotify(null);
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH) {
            log.warn("NOTIFY_SOCKET {} is longer than a socket address can be; systemd is not told the state", socket);
            return new SystemdNotify(null);
        }
        boolean abstractName = path[0] == '@';
        // struct sockaddr_un: the family (native byte order) and the path, NUL-terminated unless abstract
        byte[] addr = new byte[2 + path.length + (abstractName ? 0 : 1)];
        java.nio.ByteBuffer.wrap(addr).order(java.nio.ByteOrder.nativeOrder()).putShort((short) Libc.AF_UNIX);
        System.arraycopy(path, 0, addr, 2, path.length);
        if (abstractName) {
            addr[2] = 0;
        }
        return new SystemdNotify(addr);
    }

    /** Whether systemd asked to be told. */
    public boolean enabled() {
        return address != null;
    }

    /** {@code READY=1}: the listeners are bound and serving (also after a reload), with a status line. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status.replace('\n', ' '));
    }

    /** {@code RELOADING=1}: a reload has begun; {@link #ready} ends it. */
    public void reloading() {
        // CLOCK_MONOTONIC, which System.nanoTime reads on Linux, as systemd's reload protocol asks
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=reloading");
    }

    /** {@code STOPPING=1}: the gateway is draining and will exit. */
    public void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    private synchronized void send(String state) {
        if (address == null) {
            return;
        }
        byte[] msg = state.getBytes(StandardCharsets.UTF_8);
        try {
            Libc libc = Libc.get();
            int fd = libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            try {
                libc.sendto(fd, msg, msg.length, 0, address, address.length);
            } finally {
                libc.close(fd);
            }
        } catch (LastErrorException | UnsupportedOperationException | UnsatisfiedLinkError e) {
            if (!warned) {
                warned = true;
                log.warn("cannot tell systemd the state through NOTIFY_SOCKET: {}", e.getMessage());
            }
        }
    }
}
