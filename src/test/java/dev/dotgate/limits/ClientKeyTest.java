package dev.dotgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ClientKeyTest {
    @Test
    void ipv4HashCodeIsTheAddressItself() throws Exception {
        for (String a : new String[] {"127.0.0.2", "10.1.2.3", "255.255.255.255", "0.0.0.0", "192.168.200.1"}) {
            byte[] b = InetAddress.getByName(a).getAddress();
            int expected = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
            assertThat(ClientKey.v4((Inet4Address) InetAddress.getByName(a))).as(a).isEqualTo(expected);
        }
    }

    @Test
    void addressesInOnePrefixAreOneClient() throws Exception {
        assertThat(key("192.0.2.1", 32, 64)).isNotEqualTo(key("192.0.2.2", 32, 64));
        assertThat(key("192.0.2.1", 24, 64)).isEqualTo(key("192.0.2.200", 24, 64))
                .hasSameHashCodeAs(key("192.0.2.200", 24, 64));
        assertThat(key("192.0.2.1", 24, 64)).isNotEqualTo(key("192.0.3.1", 24, 64));
        assertThat(key("2001:db8:1:2:aaaa::1", 32, 64)).isEqualTo(key("2001:db8:1:2:ffff::9", 32, 64));
        assertThat(key("2001:db8:1:2::1", 32, 64)).isNotEqualTo(key("2001:db8:1:3::1", 32, 64));
        assertThat(key("2001:db8:1:2::1", 32, 128)).isNotEqualTo(key("2001:db8:1:2::2", 32, 128));
        assertThat(key("2001:db8:1:2::1", 32, 48)).isEqualTo(key("2001:db8:1:ffff::2", 32, 48));
        assertThat(key("192.0.2.1", 32, 64).toString()).isEqualTo("192.0.2.1");
    }

    @Test
    void familiesNeverCollide() throws Exception {
        assertThat(key("0.0.0.0", 32, 64)).isNotEqualTo(key("::", 32, 64));
        assertThat(key("0.0.0.1", 32, 128)).isNotEqualTo(key("::1", 32, 128));
        assertThat(key("0.0.0.0", 8, 64)).isNotEqualTo(key("::", 32, 64));
    }

    /**
     * Keys built to share one hash under the former fixed mix (the reviewer's construction: invert the public
     * mix for a chosen hash, 1,000 IPv6 /64s): with the seeded mix they spread, and they sort as unsigned
     * (high, low), consistent with equals, so even a full hash bucket stays a balanced tree.
     */
    @Test
    void keysBuiltToCollideUnderAFixedMixGetSpreadHashesAndAreOrdered() {
        long k = 0x9E3779B97F4A7C15L;
        long c = 0xBF58476D1CE4E5B9L;
        int target = 0x12345678;
        java.util.Set<Integer> oldHashes = new java.util.HashSet<>();
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        java.util.Set<Integer> buckets = new java.util.HashSet<>();
        for (long hi32 = 1; hi32 <= 1000; hi32++) {
            long y = (hi32 << 32) | ((target ^ (int) hi32) & 0xFFFFFFFFL);
            long hi = invXorShift(y * inverse(c), 29) * inverse(k);
            long h = hi * k;
            h ^= h >>> 29;
            h *= c;
            oldHashes.add((int) (h ^ (h >>> 32))); // the former hashCode of (hi, 0)
            ClientKey key = ClientKey.ofV6(hi, 0, 64);
            hashes.add(key.hashCode());
            int spread = key.hashCode() ^ (key.hashCode() >>> 16); // ConcurrentHashMap's spread, 1024 bins
            buckets.add(spread & 1023);
        }
        assertThat(oldHashes).as("the construction still collides under the old mix").hasSize(1);
        assertThat(hashes).hasSizeGreaterThan(990);
        assertThat(buckets).as("bins of a 1024-bin table hit").hasSizeGreaterThan(500);

        ClientKey a = ClientKey.ofV6(0x2001_0db8_0000_0001L, 0, 64);
        ClientKey b = ClientKey.ofV6(0x8001_0db8_0000_0001L, 0, 64); // high bit set: negative as a long
        ClientKey v4 = ClientKey.ofV4(0x7F000002, 32);
        assertThat(a).isInstanceOf(Comparable.class);
        assertThat(compare(a, b)).isNegative();
        assertThat(compare(b, a)).isPositive();
        assertThat(compare(v4, a)).isNegative();
        assertThat(compare(a, ClientKey.ofV6(0x2001_0db8_0000_0001L, 0, 64))).isZero();
        assertThat(compare(ClientKey.ofV6(1, 1, 128), ClientKey.ofV6(1, -1, 128))).isNegative();
    }

    /** Through Comparable, as ConcurrentHashMap's tree bins call it. */
    @SuppressWarnings("unchecked")
    private static int compare(Object a, Object b) {
        return ((Comparable<Object>) a).compareTo(b);
    }

    private static long invXorShift(long y, int s) {
        long x = y;
        for (int i = 0; i < 64 / s + 1; i++) {
            x = y ^ (x >>> s);
        }
        return x;
    }

    /** The multiplicative inverse of odd {@code a} modulo 2^64 (Newton's iteration). */
    private static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }

    private static ClientKey key(String address, int v4, int v6) throws Exception {
        return ClientKey.of(InetAddress.getByName(address), v4, v6);
    }
}
