package dev.dotgate.server.proxy;

import static dev.dotgate.it.ProxyHeaders.at;
import static dev.dotgate.it.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.it.ProxyHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The in-place PROXY v2 reader for datagrams, against headers built byte by byte from the specification. */
class DatagramHeaderTest {
    static final InetSocketAddress PEER = at("127.0.0.1", 9999);
    static final InetSocketAddress GW = at("127.0.0.1", 53);
    static final byte[] PAYLOAD = {1, 2, 3, 4, 5};

    @Test
    void ipv4HeaderWithTlvsNamesTheSourceAndIsSkippedInPlace() {
        byte[] header = ProxyHeaders.proxy(at("198.51.100.7", 40000), GW, true, ProxyHeaders.tlv(0xEA, new byte[20]));
        ByteBuf buf = Unpooled.wrappedBuffer(concat(header, PAYLOAD));
        try {
            assertThat(DatagramHeader.read(buf, PEER)).isEqualTo(at("198.51.100.7", 40000));
            assertThat(buf.readerIndex()).isEqualTo(header.length);
            assertThat(buf.readableBytes()).isEqualTo(PAYLOAD.length);
            assertThat(buf.readByte()).isEqualTo((byte) 1);
        } finally {
            buf.release();
        }
    }

    @Test
    void ipv6Header() {
        ByteBuf buf = Unpooled.wrappedBuffer(concat(ProxyHeaders.proxy(at("2001:db8::7", 65535), at("2001:db8::53", 53),
                true), PAYLOAD));
        try {
            assertThat(DatagramHeader.read(buf, PEER)).isEqualTo(at("2001:db8::7", 65535));
            assertThat(buf.readableBytes()).isEqualTo(PAYLOAD.length);
        } finally {
            buf.release();
        }
    }

    @Test
    void localAndUnixAndUnspecSpeakForThePeer() {
        byte[] unix = new byte[16 + 216];
        ByteBuffer.wrap(unix).put(ProxyHeaders.local(), 0, 12).put((byte) 0x21).put((byte) 0x32).putShort((short) 216);
        byte[] unspec = ProxyHeaders.local();
        unspec[12] = 0x21; // PROXY with family and transport UNSPEC
        for (byte[] header : new byte[][] {ProxyHeaders.local(), unix, unspec}) {
            ByteBuf buf = Unpooled.wrappedBuffer(concat(header, PAYLOAD));
            try {
                assertThat(DatagramHeader.read(buf, PEER)).isSameAs(PEER);
                assertThat(buf.readableBytes()).isEqualTo(PAYLOAD.length);
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void invalidHeadersAreRefusedWithTheBufferUntouched() {
        byte[] good = ProxyHeaders.proxy(at("198.51.100.7", 40000), GW, true);
        byte[][] bad = {
            mutate(good, 0, 0x0E), // signature
            mutate(good, 12, 0x11), // version 1
            mutate(good, 12, 0x22), // command 2
            mutate(good, 13, 0x42), // family 4
            mutate(good, 13, 0x13), // transport 3
            mutate(good, 13, 0x02), // UNSPEC family with DGRAM
            mutateShort(good, 14, 8), // too short for two IPv4 addresses and ports
            mutateShort(good, 14, 500), // longer than the datagram
            java.util.Arrays.copyOf(good, 15), // cut inside the fixed part
            "not a proxy header at all".getBytes(StandardCharsets.US_ASCII),
        };
        for (byte[] b : bad) {
            ByteBuf buf = Unpooled.wrappedBuffer(concat(b, PAYLOAD));
            try {
                assertThat(DatagramHeader.read(buf, PEER)).isNull();
                assertThat(buf.readerIndex()).isZero();
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void headersLongerThanTheBoundAreRefusedEvenWhenComplete() {
        byte[] tlv = ProxyHeaders.tlv(0x04, new byte[ProxyProtocol.MAX_HEADER]);
        ByteBuf buf = Unpooled.wrappedBuffer(concat(ProxyHeaders.proxy(at("198.51.100.7", 1), GW, true, tlv), PAYLOAD));
        try {
            assertThat(DatagramHeader.read(buf, PEER)).isNull();
        } finally {
            buf.release();
        }
        byte[] fits = ProxyHeaders.tlv(0x04, new byte[ProxyProtocol.MAX_HEADER - 16 - 12 - 3]);
        ByteBuf ok = Unpooled.wrappedBuffer(concat(ProxyHeaders.proxy(at("198.51.100.7", 1), GW, true, fits), PAYLOAD));
        try {
            assertThat(DatagramHeader.read(ok, PEER)).isEqualTo(at("198.51.100.7", 1));
            assertThat(ok.readableBytes()).isEqualTo(PAYLOAD.length);
        } finally {
            ok.release();
        }
    }

    @Test
    void streamStartsAreRecognisedOnlyWhenWhole() {
        assertThat(starts(ProxyHeaders.proxy(at("198.51.100.7", 1), GW, false))).isTrue();
        assertThat(starts("PROXY TCP4 198.51.100.7 127.0.0.1 1 53\r\n".getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(starts(java.util.Arrays.copyOf(ProxyHeaders.local(), 11))).isFalse();
        assertThat(starts("PROXY".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(starts(new byte[] {0, 29, 0x10, 0x01, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0})).isFalse(); // a framed query
        assertThat(starts(new byte[] {0x16, 0x03, 0x01, 0x02, 0, 1, 0, 0, 0, 0, 0, 0})).isFalse(); // a ClientHello
    }

    private static boolean starts(byte[] b) {
        ByteBuf buf = Unpooled.wrappedBuffer(b);
        try {
            return DatagramHeader.startsWithHeader(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] mutate(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }

    private static byte[] mutateShort(byte[] b, int at, int value) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).putShort(at, (short) value);
        return c;
    }
}
