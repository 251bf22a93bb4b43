package dev.dotgate.it;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * PROXY protocol headers built by the test itself, byte by byte from HAProxy's proxy-protocol.txt, independent of
 * the gateway's code.
 */
public final class ProxyHeaders {
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeaders() {
    }

    /** A v2 PROXY header for a connection ({@code dgram} false) or datagram from {@code src} to {@code dst}. */
    public static byte[] proxy(InetSocketAddress src, InetSocketAddress dst, boolean dgram, byte[] tlvs) {
        byte[] s = src.getAddress().getAddress();
        byte[] d = dst.getAddress().getAddress();
        if (s.length != d.length) {
            throw new IllegalArgumentException("mixed families");
        }
        int family = s.length == 4 ? 0x10 : 0x20;
        ByteBuffer b = ByteBuffer.allocate(16 + 2 * s.length + 4 + tlvs.length);
        b.put(SIGNATURE).put((byte) 0x21).put((byte) (family | (dgram ? 2 : 1)));
        b.putShort((short) (2 * s.length + 4 + tlvs.length));
        b.put(s).put(d).putShort((short) src.getPort()).putShort((short) dst.getPort()).put(tlvs);
        return b.array();
    }

    public static byte[] proxy(InetSocketAddress src, InetSocketAddress dst, boolean dgram) {
        return proxy(src, dst, dgram, new byte[0]);
    }

    /** A v2 LOCAL header (a health check: no addresses, the peer speaks for itself). */
    public static byte[] local() {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.put(SIGNATURE).put((byte) 0x20).put((byte) 0x00).putShort((short) 0);
        return b.array();
    }

    /** A TLV: type, 2-byte length, value. */
    public static byte[] tlv(int type, byte[] value) {
        return ByteBuffer.allocate(3 + value.length).put((byte) type).putShort((short) value.length).put(value)
                .array();
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    public static InetSocketAddress at(String ip, int port) {
        try {
            return new InetSocketAddress(java.net.InetAddress.getByName(ip), port); // literals only: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
