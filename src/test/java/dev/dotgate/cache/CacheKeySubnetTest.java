package dev.dotgate.cache;

import static dev.dotgate.cache.Messages.key;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** A query's Client Subnet is part of its cache key: an answer tailored to one subnet is not another's. */
class CacheKeySubnetTest {
    private static Message query(String subnet, int prefix, EDNSOption... more) throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString("www.example."), Type.A, DClass.IN));
        List<EDNSOption> options = new java.util.ArrayList<>(List.of(more));
        if (subnet != null) {
            options.add(0, new ClientSubnetOption(prefix, InetAddress.getByName(subnet)));
        }
        m.addRecord(new OPTRecord(1232, 0, 0, 0, options), Section.ADDITIONAL);
        return m;
    }

    @Test
    void sameSubnetSameKeyOtherSubnetOrNoneAnother() throws Exception {
        CacheKey a = key(query("192.0.2.0", 24));
        assertThat(key(query("192.0.2.0", 24))).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(key(query("198.51.100.0", 24))).isNotEqualTo(a);
        assertThat(key(query("192.0.0.0", 16))).isNotEqualTo(a);
        CacheKey none = key(query(null, 0));
        assertThat(none).isNotEqualTo(a);
        assertThat(a.toString()).isEqualTo("www.example./1/1 edns ecs");
        assertThat(none.toString()).isEqualTo("www.example./1/1 edns");
        assertThat(a.qtype()).isEqualTo(Type.A);
        assertThat(a.nameLength()).isEqualTo(none.nameLength());
    }
}
