package dev.dotgate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

/** 0x20 case masks on wire names, and the random values behind them. */
class CaseMaskTest {
    private static ByteBuf name(String text) throws Exception {
        return Unpooled.wrappedBuffer(Name.fromString(text).toWire());
    }

    private static String text(ByteBuf b) throws Exception {
        byte[] wire = new byte[b.readableBytes()];
        b.getBytes(0, wire);
        return new Name(wire).toString();
    }

    @Test
    void applyThenEchoedAndAnyOtherCaseIsNot() throws Exception {
        ByteBuf n = name("www-1.Example.COM.");
        CaseMask.apply(n, 0, 0b1010_0000_0101L);
        assertThat(text(n)).isEqualTo("WwW-1.examplE.cOm.");
        assertThat(CaseMask.echoed(n, 0, 0b1010_0000_0101L)).isTrue();
        assertThat(CaseMask.echoed(n, 0, 0b1010_0000_0100L)).isFalse();
        n.setByte(2, 'w'); // the second letter, sent lower case: unchanged, still echoed
        assertThat(CaseMask.echoed(n, 0, 0b1010_0000_0101L)).isTrue();
        n.setByte(3, 'w'); // the third letter flipped
        assertThat(CaseMask.echoed(n, 0, 0b1010_0000_0101L)).isFalse();
    }

    @Test
    void aNameWithoutLettersIsAlwaysEchoedAndTheRootToo() throws Exception {
        ByteBuf n = name("1.2.3.4.");
        CaseMask.apply(n, 0, -1L);
        assertThat(text(n)).isEqualTo("1.2.3.4.");
        assertThat(CaseMask.echoed(n, 0, 0)).isTrue();
        assertThat(CaseMask.echoed(name("."), 0, 12345)).isTrue();
    }

    @Test
    void idsAndMasksAreSpreadOut() {
        QueryRandom r = QueryRandom.current();
        Set<Integer> ids = new HashSet<>();
        Set<Long> masks = new HashSet<>();
        for (int i = 0; i < 3 * QueryRandom.BATCH; i++) { // several refills
            int id = r.nextId();
            assertThat(id).isBetween(0, 0xFFFF);
            ids.add(id);
            masks.add(r.nextLong());
        }
        assertThat(ids.size()).isGreaterThan(3 * QueryRandom.BATCH * 9 / 10);
        assertThat(masks).hasSize(3 * QueryRandom.BATCH);
    }
}
