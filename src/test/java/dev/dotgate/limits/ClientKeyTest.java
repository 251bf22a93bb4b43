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

    private static ClientKey key(String address, int v4, int v6) throws Exception {
        return ClientKey.of(InetAddress.getByName(address), v4, v6);
    }
}
