package dev.dotgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** FrameTracker follows frame boundaries however the bytes are cut, and never consumes what it reads. */
class FrameTrackerTest {
    @Test
    void dnsFramesCutAnywhere() {
        // Three frames: 3 bytes, 0 bytes, 300 bytes; then the first byte of a fourth.
        byte[] stream = new byte[2 + 3 + 2 + 2 + 300 + 1];
        stream[1] = 3;
        stream[7] = 1;
        stream[8] = 44; // 0x012c = 300
        for (int cut = 1; cut <= stream.length; cut++) {
            FrameTracker t = FrameTracker.dns();
            int completed = 0;
            for (int i = 0; i < stream.length; i += cut) {
                ByteBuf b = Unpooled.wrappedBuffer(stream, i, Math.min(cut, stream.length - i));
                int before = b.readerIndex();
                completed += t.follow(b);
                assertThat(b.readerIndex()).isEqualTo(before);
                if (completed == 3 && i + cut < stream.length) {
                    assertThat(t.partial()).isFalse();
                }
            }
            assertThat(completed).as("cut " + cut).isEqualTo(3);
            assertThat(t.partial()).as("the fourth frame has started").isTrue();
        }
    }

    @Test
    void tlsRecordsUseTheLengthInBytesThreeAndFour() {
        FrameTracker t = FrameTracker.tlsRecords();
        byte[] header = {23, 3, 3, 0, 2};
        assertThat(t.follow(Unpooled.wrappedBuffer(header))).isZero();
        assertThat(t.partial()).isTrue();
        assertThat(t.follow(Unpooled.wrappedBuffer(new byte[] {9}))).isZero();
        assertThat(t.follow(Unpooled.wrappedBuffer(new byte[] {9, 23, 3}))).isEqualTo(1);
        assertThat(t.partial()).isTrue();
        assertThat(t.follow(Unpooled.wrappedBuffer(new byte[] {3, 0, 0}))).isEqualTo(1);
        assertThat(t.partial()).isFalse();
    }
}
