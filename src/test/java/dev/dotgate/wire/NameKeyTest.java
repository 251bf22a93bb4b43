package dev.dotgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The one wire-name key: the same bytes from dnsjava, from a query in a buffer and from list text. */
class NameKeyTest {
    private static NameKey ofQuery(String name) throws Exception {
        ByteBuf q = Unpooled.wrappedBuffer(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A,
                DClass.IN)).toWire());
        try {
            return NameKey.ofQuestion(q, QueryInfo.parse(q));
        } finally {
            q.release();
            assertThat(q.refCnt()).isZero();
        }
    }

    private static NameKey ofText(String text) {
        byte[] out = new byte[256];
        int n = NameKey.encode(text, 0, text.length(), out);
        assertThat(n).as(text).isPositive();
        return NameKey.ofWire(Arrays.copyOf(out, n + 1)); // the root byte is already 0
    }

    @Test
    void dnsjavaAQueryAndListTextGiveOneKeyWhateverTheCase() throws Exception {
        NameKey fromDnsjava = NameKey.ofWire(Name.fromString("WWW.Example.COM.").toWire());
        NameKey fromQuery = ofQuery("www.EXAMPLE.com.");
        NameKey fromText = ofText("Www.example.Com");
        assertThat(fromQuery).isEqualTo(fromDnsjava).isEqualTo(fromText);
        assertThat(fromQuery.hashCode()).isEqualTo(fromDnsjava.hashCode()).isEqualTo(fromText.hashCode());
        assertThat(fromQuery.compareTo(fromText)).isZero();
        assertThat(fromQuery.length()).isEqualTo(17);
        assertThat(fromQuery.toString()).isEqualTo("www.example.com.");
        assertThat(NameKey.ofWire(new byte[] {0}).toString()).isEqualTo(".");
        assertThat(NameKey.ofWire(new byte[] {0}).length()).isEqualTo(1);
    }

    @Test
    void otherNamesDifferAndOrderAsUnsignedBytes() throws Exception {
        NameKey a = ofQuery("a.example.");
        NameKey b = ofQuery("b.example.");
        NameKey longer = ofQuery("aa.example.");
        assertThat(a).isNotEqualTo(b).isNotEqualTo(longer);
        assertThat(a.compareTo(b)).isNegative();
        assertThat(b.compareTo(a)).isPositive();
        assertThat(a.compareTo(longer)).isNegative(); // label length 1 < 2
        // A byte above 127 sorts after letters (unsigned), and is not case-folded.
        NameKey high = NameKey.ofWire(new byte[] {1, (byte) 0xC1, 0});
        NameKey letter = NameKey.ofWire(new byte[] {1, 'A', 0});
        assertThat(high.compareTo(letter)).isPositive();
        assertThat(letter).isEqualTo(NameKey.ofWire(new byte[] {1, 'a', 0}));
        assertThat(high).isNotEqualTo(NameKey.ofWire(new byte[] {1, (byte) 0xE1, 0}));
    }

    @Test
    void copyAndMatchAgainstABufferInPlace() throws Exception {
        byte[] wire = Name.fromString("Mixed.CASE.test.").toWire();
        ByteBuf buf = Unpooled.buffer().writeZero(3).writeBytes(wire);
        try {
            byte[] lower = new byte[wire.length + 2];
            NameKey.copyLowerCase(buf, 3, lower, 2, wire.length);
            assertThat(Arrays.copyOfRange(lower, 2, lower.length))
                    .isEqualTo(Name.fromString("mixed.case.test.").toWire());
            assertThat(NameKey.matches(buf, 3, lower, 2, wire.length)).isTrue();
            lower[4] = 'y';
            assertThat(NameKey.matches(buf, 3, lower, 2, wire.length)).isFalse();
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }

    @Test
    void encodeRefusesWhatIsNotAName() {
        byte[] out = new byte[256];
        for (String bad : new String[] {"", ".", "a..b", "a b.c", "é.test", "x".repeat(64) + ".test",
                ("a".repeat(62) + ".").repeat(4) + "ab"}) {
            assertThat(NameKey.encode(bad, 0, bad.length(), out)).as(bad).isEqualTo(-1);
        }
        assertThat(NameKey.encode("_dmarc.Ex-ample.org.", 0, 20, out)).isEqualTo(20);
        assertThat(Arrays.copyOf(out, 20)).containsExactly(6, '_', 'd', 'm', 'a', 'r', 'c', 8, 'e', 'x', '-', 'a',
                'm', 'p', 'l', 'e', 3, 'o', 'r', 'g');
    }

    /** Names whose wire forms share one Arrays.hashCode (each block "az" or "b[" adds the same) spread out here. */
    @Test
    void namesBuiltToCollideDoNot() {
        Set<Integer> plain = new HashSet<>();
        Set<Integer> hashes = new HashSet<>();
        for (int i = 0; i < 1024; i++) {
            StringBuilder label = new StringBuilder();
            for (int b = 0; b < 10; b++) {
                label.append((i >>> b & 1) == 0 ? "az" : "b[");
            }
            byte[] wire = new byte[1 + 20 + 1];
            wire[0] = 20;
            for (int k = 0; k < 20; k++) {
                wire[1 + k] = (byte) label.charAt(k);
            }
            plain.add(Arrays.hashCode(wire));
            hashes.add(NameKey.ofWire(wire).hashCode());
        }
        assertThat(plain).hasSize(1);
        assertThat(hashes.size()).isGreaterThan(1000);
    }
}
