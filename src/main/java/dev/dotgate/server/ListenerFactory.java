package dev.dotgate.server;

import dev.dotgate.net.BindFailure;
import dev.dotgate.resolve.Transport;
import java.net.InetSocketAddress;

/**
 * One transport's listeners: binds a socket (or, for UDP with epoll, one per event loop) at an address and sets up
 * what each client connection or datagram goes through before it reaches the shared {@link QueryIntake}. One
 * implementation per transport ({@link UdpListenerFactory}, {@link TcpListenerFactory}, {@link DotListenerFactory},
 * {@link DohListenerFactory}); a new transport (DoQ) is one more. Stream transports take their connections from
 * {@link StreamAdmission}, which applies what every transport shares at accept (the PROXY protocol front, the
 * access list, the buffered-bytes budget, the per-client and total connection slots) and hands the admitted channel
 * to the factory's own pipeline.
 */
public interface ListenerFactory {
    /** The transport this factory listens for. */
    Transport transport();

    /**
     * Binds at {@code address} (port 0: any), not yet reading ({@link BoundListener#serve} starts it); fails with a
     * message for the user naming the address and the setting.
     */
    BoundListener bind(InetSocketAddress address) throws BindFailure;

    /** A bound listener, as {@link Listeners} keeps it for addresses and shutdown. */
    interface BoundListener {
        Transport transport();

        /** The local address bound, with the real port when 0 was asked for. */
        InetSocketAddress address();

        /**
         * Starts taking connections or datagrams. Until then the socket is bound and the kernel queues what
         * arrives (so the process can give up root between binding and serving).
         */
        void serve();

        /** Takes no new connections or datagrams; those in progress carry on. */
        void stopAccepting();

        /** Closes the listening sockets (client connections are closed by {@link StreamAdmission#closeAll}). */
        void close();
    }
}
