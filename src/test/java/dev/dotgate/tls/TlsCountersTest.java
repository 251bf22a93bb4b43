package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The TLS front counts its refusals in the tls package's own {@link TlsCounters}: a ClientHello whose ALPN lacks
 * "dot" ({@link AlpnGuard}) and one declaring more than the limit ({@link ClientHelloLimit}); a good hello counts
 * nothing and passes on. Each buffer is released.
 */
class TlsCountersTest {
    private final TlsCounters counters = new TlsCounters();

    @Test
    void alpnWithoutDotIsRefusedWithAnAlertAndCounted() {
        EmbeddedChannel ch = new EmbeddedChannel(new AlpnGuard(counters, 16 * 1024));
        ch.writeInbound(hello(0, "h2"));
        assertThat(counters.refusedAlpn.sum()).isEqualTo(1);
        assertThat(counters.clientHelloTooLong.sum()).isZero();
        assertThat(ch.attr(AlpnGuard.REFUSED).get()).isTrue();
        ByteBuf alert = ch.readOutbound();
        assertThat(alert.getByte(0)).as("an alert record").isEqualTo((byte) 0x15);
        assertThat(alert.getByte(alert.writerIndex() - 1)).as("no_application_protocol").isEqualTo((byte) 120);
        alert.release();
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void helloOfferingDotPassesOnUncounted() {
        EmbeddedChannel ch = new EmbeddedChannel(new AlpnGuard(counters, 16 * 1024));
        ByteBuf hello = hello(0, "h2", "dot");
        int length = hello.readableBytes();
        ch.writeInbound(hello);
        assertThat(counters.refusedAlpn.sum()).isZero();
        assertThat(ch.pipeline().get(AlpnGuard.class)).as("the guard has left").isNull();
        ByteBuf passed = ch.readInbound();
        assertThat(passed.readableBytes()).isEqualTo(length);
        passed.release();
        assertThat(hello.refCnt()).isZero();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void helloOverTheLimitIsClosedAndCounted() {
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHelloLimit(counters, 512));
        ch.writeInbound(hello(2000, "dot"));
        assertThat(counters.clientHelloTooLong.sum()).isEqualTo(1);
        assertThat(counters.refusedAlpn.sum()).isZero();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    /** One TLS record holding a ClientHello with the ALPN list {@code protocols} and {@code padding} bytes more. */
    static ByteBuf hello(int padding, String... protocols) {
        ByteBuf alpn = Unpooled.buffer();
        for (String p : protocols) {
            byte[] b = p.getBytes(StandardCharsets.US_ASCII);
            alpn.writeByte(b.length).writeBytes(b);
        }
        ByteBuf ext = Unpooled.buffer();
        ext.writeShort(16).writeShort(alpn.readableBytes() + 2).writeShort(alpn.readableBytes()).writeBytes(alpn);
        alpn.release();
        if (padding > 0) {
            ext.writeShort(21).writeShort(padding).writeZero(padding); // padding extension (RFC 7685)
        }
        ByteBuf body = Unpooled.buffer();
        body.writeShort(0x0303).writeZero(32);          // client_version, random
        body.writeByte(0);                              // session_id
        body.writeShort(2).writeShort(0x1301);          // cipher_suites: TLS_AES_128_GCM_SHA256
        body.writeByte(1).writeByte(0);                 // compression_methods: null
        body.writeShort(ext.readableBytes()).writeBytes(ext);
        ext.release();
        ByteBuf record = Unpooled.buffer();
        record.writeByte(22).writeShort(0x0301).writeShort(body.readableBytes() + 4);
        record.writeByte(1).writeMedium(body.readableBytes()).writeBytes(body);
        body.release();
        return record;
    }
}
