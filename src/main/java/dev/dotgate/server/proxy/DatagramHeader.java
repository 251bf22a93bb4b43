package dev.dotgate.server.proxy;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Reads a PROXY protocol v2 header at the start of a datagram, in place (proxy-protocol.txt section 2.2): the
 * 12-byte signature, version 2 and command (LOCAL or PROXY), family and transport, the length of the rest, the
 * addresses (IPv4: 12 bytes, IPv6: 36), then TLVs, which are skipped. Only the source address is allocated.
 */
final class DatagramHeader {
    /** The signature {@code \r\n\r\n\0\r\nQUIT\n} as a long and an int, big-endian. */
    private static final long SIGNATURE_HEAD = 0x0D0A0D0A000D0A51L;
    private static final int SIGNATURE_TAIL = 0x5549540A;
    /** {@code "PROXY "}, the start of a v1 (text) header, which exists for streams only. */
    private static final long V1_PREFIX = 0x50524F585920L;
    private static final int FIXED = 16;
    private static final int CMD_LOCAL = 0;
    private static final int CMD_PROXY = 1;
    private static final int AF_UNSPEC = 0;
    private static final int AF_INET = 1;
    private static final int AF_INET6 = 2;
    private static final int AF_UNIX = 3;

    private DatagramHeader() {
    }

    /**
     * Reads the header at {@code buf}'s reader index. On success moves the reader index past the header (the DNS
     * message follows) and returns the source address it names, or {@code peer} for LOCAL and for the families
     * without an IP address (UNSPEC, UNIX). Returns null, the reader index unchanged, when the datagram does not
     * start with a complete, valid v2 header of at most {@link ProxyProtocol#MAX_HEADER} bytes. Borrows
     * {@code buf}.
     */
    static InetSocketAddress read(ByteBuf buf, InetSocketAddress peer) {
        int at = buf.readerIndex();
        if (buf.readableBytes() < FIXED || !signatureAt(buf, at)) {
            return null;
        }
        int versionCommand = buf.getUnsignedByte(at + 12);
        int familyTransport = buf.getUnsignedByte(at + 13);
        int length = buf.getUnsignedShort(at + 14);
        int command = versionCommand & 0x0F;
        if (versionCommand >> 4 != 2 || command > CMD_PROXY
                || FIXED + length > ProxyProtocol.MAX_HEADER || buf.readableBytes() < FIXED + length) {
            return null;
        }
        int family = familyTransport >> 4;
        int transport = familyTransport & 0x0F;
        if (family > AF_UNIX || transport > 2) {
            return null;
        }
        InetSocketAddress client = peer;
        if (command == CMD_PROXY && (family == AF_INET || family == AF_INET6)) {
            int size = family == AF_INET ? 4 : 16;
            if (length < 2 * size + 4) {
                return null;
            }
            byte[] address = new byte[size];
            buf.getBytes(at + FIXED, address);
            int port = buf.getUnsignedShort(at + FIXED + 2 * size);
            try {
                client = new InetSocketAddress(InetAddress.getByAddress(address), port);
            } catch (UnknownHostException e) {
                return null; // not reached: the length is 4 or 16
            }
        } else if (command == CMD_PROXY && family == AF_UNSPEC && transport != 0) {
            return null; // UNSPEC goes with UNSPEC only
        }
        buf.skipBytes(FIXED + length);
        return client;
    }

    /** Whether a stream's first bytes are a PROXY header (v2 signature or v1 {@code "PROXY "}). Borrows. */
    static boolean startsWithHeader(ByteBuf buf) {
        int at = buf.readerIndex();
        int n = buf.readableBytes();
        return n >= 12 && signatureAt(buf, at)
                || n >= 6 && (buf.getUnsignedInt(at) << 16 | buf.getUnsignedShort(at + 4)) == V1_PREFIX;
    }

    private static boolean signatureAt(ByteBuf buf, int at) {
        return buf.getLong(at) == SIGNATURE_HEAD && buf.getInt(at + 8) == SIGNATURE_TAIL;
    }
}
