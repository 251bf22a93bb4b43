package dev.dotgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The SipHash under the cache key and the name key, against the published vectors (moved from CacheKeyCollisionTest). */
class SipHashTest {
    @Test
    void sipHashMatchesTheReferenceVector() {
        // SipHash-2-4 test vector from the paper (appendix A): key 00..0f, message 00..0e.
        byte[] msg = new byte[15];
        for (int i = 0; i < msg.length; i++) {
            msg[i] = (byte) i;
        }
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        assertThat(SipHash.hash(k0, k1, msg, 2, 4)).isEqualTo(0xa129ca6149be45e5L);
        // and the first of the 64 vectors of the reference implementation (empty message): 31 0e 0e dd 47 db 6f 72
        assertThat(SipHash.hash(k0, k1, new byte[0], 2, 4)).isEqualTo(0x726fdb47dd0e0e31L);
        byte[] eight = Arrays.copyOf(msg, 8); // exactly one whole word, then the length-only block
        assertThat(Long.toHexString(SipHash.hash(k0, k1, eight, 2, 4))).isEqualTo(
                Long.toHexString(0x93f5f5799a932462L));
    }
}
