package dev.dotgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The arena layout and probing DomainSet and its builder share, on hand-made entries. */
class DomainTableTest {
    private static final byte[] NAME = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm'};

    @Test
    void entryKeepsLengthFlagsAndTag() {
        byte[] arena = new byte[1 + DomainTable.HEADER + NAME.length];
        DomainTable.write(arena, 1, NAME, NAME.length, DomainSet.BELOW, 0xCAFE_0102);
        assertThat(arena[1] & 0xFF).isEqualTo(NAME.length);
        assertThat(DomainTable.flagsAt(arena, 1)).isEqualTo(DomainSet.BELOW);
        assertThat(DomainTable.tagAt(arena, 1)).isEqualTo(0xCAFE_0102);
        assertThat(new String(arena, 1 + DomainTable.HEADER, NAME.length, StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(NAME, StandardCharsets.ISO_8859_1));
    }

    @Test
    void probeFindsTheEntryOrTheEmptySlotPastCollisions() {
        byte[] arena = new byte[1 + DomainTable.HEADER + NAME.length];
        DomainTable.write(arena, 1, NAME, NAME.length, DomainSet.SELF, 7);
        int h = DomainTable.mix(DomainTable.hash(NAME, NAME.length));
        long[] table = new long[8];
        int home = h & 7;
        table[home] = (long) (h + 8) << 32 | 1; // another hash in the same slot: probed past
        table[(home + 1) & 7] = (long) h << 32 | 1;
        assertThat(DomainTable.probe(table, arena, h, NAME, 0, NAME.length)).isEqualTo((home + 1) & 7);
        byte[] other = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'f', 3, 'c', 'o', 'm'}; // same length, other bytes
        int empty = DomainTable.probe(table, arena, h, other, 0, other.length);
        assertThat(empty).isEqualTo((home + 2) & 7);
        assertThat(table[empty]).isZero();
    }

    @Test
    void suffixHashComesFromWholeAndPrefix() {
        // hash(suffix) = hash(whole) - hash(prefix) * P^(suffix length): what DomainSet's lookup relies on.
        int whole = DomainTable.hash(NAME, NAME.length);
        int prefix = DomainTable.hash(NAME, 8);
        byte[] suffix = {3, 'c', 'o', 'm'};
        assertThat(whole - prefix * DomainTable.POW[4]).isEqualTo(DomainTable.hash(suffix, 4));
    }

    @Test
    void rehashKeepsEveryEntryReachable() {
        long[] old = new long[4];
        old[1] = (long) 5 << 32 | 11;
        old[2] = (long) 13 << 32 | 22;
        long[] t = DomainTable.rehash(old, 16);
        assertThat(t).hasSize(16);
        assertThat(t[5]).isEqualTo(old[1]);
        assertThat(t[13]).isEqualTo(old[2]);
        assertThat(java.util.Arrays.stream(t).filter(e -> e != 0).count()).isEqualTo(2);
    }
}
