package dev.dotgate.wire;

import static dev.dotgate.wire.DomainSet.BELOW;
import static dev.dotgate.wire.DomainSet.NO_MATCH;
import static dev.dotgate.wire.DomainSet.SELF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** Suffix matching semantics of the packed name set, on strings and on real queries in wire form. */
class DomainSetTest {

    static byte[] query(String name) throws Exception {
        String absolute = name.endsWith(".") ? name : name + ".";
        return Message.newQuery(Record.newRecord(Name.fromString(absolute), Type.A, DClass.IN)).toWire();
    }

    /** Matches the question of a query built by dnsjava, read at readerIndex() + 12 of a wrapped buffer. */
    static int matchWire(DomainSet set, String name) throws Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(query(name));
        try {
            int r = buf.readerIndex();
            int w = buf.writerIndex();
            int tag = set.match(buf, buf.readerIndex() + 12);
            assertThat(buf.readerIndex()).isEqualTo(r);
            assertThat(buf.writerIndex()).isEqualTo(w);
            return tag;
        } finally {
            buf.release();
        }
    }

    @Test
    void selfBelowAndBoth() throws Exception {
        DomainSet.Builder b = DomainSet.builder();
        assertThat(b.add("ads.example", SELF | BELOW, 1)).isTrue();
        assertThat(b.add("example.com", SELF, 2)).isTrue();
        assertThat(b.add("wild.org", BELOW, 3)).isTrue();
        DomainSet set = b.build();
        assertThat(set.size()).isEqualTo(3);

        assertThat(set.match("ads.example")).isEqualTo(1);
        assertThat(set.match("x.ads.example")).isEqualTo(1);
        assertThat(set.match("x.y.ads.example")).isEqualTo(1);
        assertThat(set.match("example")).isEqualTo(NO_MATCH);
        assertThat(set.match("xads.example")).isEqualTo(NO_MATCH);

        assertThat(set.match("example.com")).isEqualTo(2);
        assertThat(set.match("www.example.com")).isEqualTo(NO_MATCH);
        assertThat(set.match("com")).isEqualTo(NO_MATCH);

        assertThat(set.match("wild.org")).isEqualTo(NO_MATCH);
        assertThat(set.match("a.wild.org")).isEqualTo(3);
        assertThat(set.match("x.y.wild.org")).isEqualTo(3);

        for (String n : new String[] {"ads.example", "x.ads.example", "example.com", "www.example.com",
                "wild.org", "a.wild.org", "x.y.wild.org", "unrelated.net"}) {
            assertThat(matchWire(set, n)).as(n).isEqualTo(set.match(n));
        }
    }

    @Test
    void addingTwiceOrsFlagsAndKeepsTheFirstTag() {
        DomainSet.Builder b = DomainSet.builder();
        b.add("example.com", SELF, 7);
        b.add("EXAMPLE.com.", BELOW, 8);
        DomainSet set = b.build();
        assertThat(set.size()).isEqualTo(1);
        assertThat(set.match("example.com")).isEqualTo(7);
        assertThat(set.match("www.example.com")).isEqualTo(7);
    }

    @Test
    void mostSpecificEntryWins() throws Exception {
        DomainSet.Builder b = DomainSet.builder();
        b.add("com", SELF | BELOW, 1);
        b.add("example.com", SELF | BELOW, 2);
        b.add("ads.example.com", SELF | BELOW, 3);
        b.add("only.ads.example.com", SELF, 4); // SELF only: names below it fall through to ads.example.com
        DomainSet set = b.build();
        assertThat(matchWire(set, "x.org")).isEqualTo(NO_MATCH);
        assertThat(matchWire(set, "com")).isEqualTo(1);
        assertThat(matchWire(set, "other.com")).isEqualTo(1);
        assertThat(matchWire(set, "example.com")).isEqualTo(2);
        assertThat(matchWire(set, "www.example.com")).isEqualTo(2);
        assertThat(matchWire(set, "ads.example.com")).isEqualTo(3);
        assertThat(matchWire(set, "a.b.ads.example.com")).isEqualTo(3);
        assertThat(matchWire(set, "only.ads.example.com")).isEqualTo(4);
        assertThat(matchWire(set, "x.only.ads.example.com")).isEqualTo(3);
    }

    @Test
    void caseInsensitiveBothWays() throws Exception {
        DomainSet.Builder b = DomainSet.builder();
        b.add("Tracker.EXAMPLE.net", SELF | BELOW, 5);
        DomainSet set = b.build();
        assertThat(set.match("tracker.example.net")).isEqualTo(5);
        assertThat(set.match("TRACKER.EXAMPLE.NET.")).isEqualTo(5);
        assertThat(matchWire(set, "WwW.TrAcKeR.eXaMpLe.NeT")).isEqualTo(5);
    }

    @Test
    void validatesNamesLeniently() {
        DomainSet.Builder b = DomainSet.builder();
        assertThat(b.add("_dmarc.example.com", SELF, 0)).isTrue();
        assertThat(b.add("1-2-3.4ads.example", SELF, 0)).isTrue();
        assertThat(b.add("trailing.dot.", SELF, 0)).isTrue();
        assertThat(b.add("tld", SELF, 0)).isTrue();
        assertThat(b.add("a".repeat(63) + ".com", SELF, 0)).isTrue();
        String longest = ("a".repeat(49) + ".").repeat(5) + "abc"; // 253 characters
        assertThat(longest).hasSize(253);
        assertThat(b.add(longest, SELF, 0)).isTrue();

        assertThat(b.add("", SELF, 0)).isFalse();
        assertThat(b.add(".", SELF, 0)).isFalse();
        assertThat(b.add(".example.com", SELF, 0)).isFalse();
        assertThat(b.add("a..b", SELF, 0)).isFalse();
        assertThat(b.add("example.com..", SELF, 0)).isFalse();
        assertThat(b.add("a".repeat(64) + ".com", SELF, 0)).isFalse();
        assertThat(b.add(longest + "d", SELF, 0)).isFalse();
        assertThat(b.add("exa mple.com", SELF, 0)).isFalse();
        assertThat(b.add("*.example.com", SELF, 0)).isFalse();
        assertThat(b.add("exämple.com", SELF, 0)).isFalse();
        assertThat(b.add("example.com/path", SELF, 0)).isFalse();
        assertThatThrownBy(() -> b.add("x.com", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.add("x.com", 4, 0)).isInstanceOf(IllegalArgumentException.class);

        DomainSet set = b.build();
        assertThat(set.size()).isEqualTo(6);
        assertThat(set.match(longest)).isEqualTo(0);
        assertThat(set.match("_DMARC.example.com")).isEqualTo(0);
        assertThatThrownBy(() -> b.add("late.com", SELF, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void malformedWireNamesNeverMatch() {
        DomainSet.Builder b = DomainSet.builder();
        b.add("com", SELF | BELOW, 1);
        DomainSet set = b.build();
        byte[] good = {3, 'w', 'w', 'w', 3, 'c', 'o', 'm', 0};
        ByteBuf buf = Unpooled.wrappedBuffer(good);
        try {
            assertThat(set.match(buf, 0)).isEqualTo(1);
            assertThat(set.match(buf, 4)).isEqualTo(1);
            assertThat(set.match(buf, 8)).isEqualTo(NO_MATCH); // the root
            assertThat(set.match(buf, 9)).isEqualTo(NO_MATCH); // past the end
            assertThat(set.match(buf, -1)).isEqualTo(NO_MATCH);
        } finally {
            buf.release();
        }
        byte[][] bad = {
            {3, 'w', 'w', 'w', 3, 'c', 'o', 'm'}, // no root byte
            {3, 'w', 'w', 'w', 3, 'c', 'o'}, // label runs past the end
            {3, 'w', 'w', 'w', (byte) 0xC0, 12}, // compression pointer
            {64, 'a'}, // label type 01
        };
        for (byte[] name : bad) {
            ByteBuf m = Unpooled.wrappedBuffer(name);
            try {
                assertThat(set.match(m, 0)).isEqualTo(NO_MATCH);
            } finally {
                m.release();
            }
        }
        // a name longer than 255 bytes
        ByteBuf longName = Unpooled.buffer();
        try {
            for (int i = 0; i < 5; i++) {
                longName.writeByte(60).writeBytes("a".repeat(60).getBytes(StandardCharsets.US_ASCII));
            }
            longName.writeByte(3).writeBytes("com".getBytes(StandardCharsets.US_ASCII)).writeByte(0);
            assertThat(set.match(longName, 0)).isEqualTo(NO_MATCH);
        } finally {
            longName.release();
        }
        // the buffer's readable end bounds the name, not its capacity
        ByteBuf cut = Unpooled.buffer(64);
        try {
            cut.writeBytes(good, 0, 6);
            cut.setBytes(6, good, 6, 3);
            assertThat(set.match(cut, 0)).isEqualTo(NO_MATCH);
        } finally {
            cut.release();
        }
    }

    @Test
    void emptySetMatchesNothing() throws Exception {
        assertThat(DomainSet.empty().size()).isZero();
        assertThat(DomainSet.empty().match("example.com")).isEqualTo(NO_MATCH);
        assertThat(matchWire(DomainSet.empty(), "example.com")).isEqualTo(NO_MATCH);
        assertThat(DomainSet.builder().build().memoryBytes()).isPositive();
    }

    /** Random names over a small alphabet (many shared suffixes) against a plain map-based model. */
    @Test
    void agreesWithAReferenceModel() throws Exception {
        Random random = new Random(42);
        String[] labels = {"a", "b", "ab", "x-1", "_t", "com", "net", "Ex"};
        Map<String, int[]> model = new HashMap<>(); // name -> {flags, tag}
        DomainSet.Builder b = DomainSet.builder();
        for (int i = 0; i < 20_000; i++) {
            String name = randomName(random, labels);
            int flags = 1 + random.nextInt(3);
            assertThat(b.add(name, flags, i)).isTrue();
            model.merge(name.toLowerCase(Locale.ROOT), new int[] {flags, i},
                    (old, n) -> new int[] {old[0] | n[0], old[1]});
        }
        DomainSet set = b.build();
        assertThat(set.size()).isEqualTo(model.size());
        for (int i = 0; i < 20_000; i++) {
            String q = randomName(random, labels);
            int expected = reference(model, q.toLowerCase(Locale.ROOT));
            assertThat(set.match(q)).as(q).isEqualTo(expected);
            if (i % 10 == 0) {
                assertThat(matchWire(set, q)).as(q).isEqualTo(expected);
            }
        }
    }

    private static String randomName(Random random, String[] labels) {
        int n = 1 + random.nextInt(5);
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                sb.append('.');
            }
            sb.append(labels[random.nextInt(labels.length)]);
        }
        return sb.toString();
    }

    private static int reference(Map<String, int[]> model, String name) {
        int[] e = model.get(name);
        if (e != null && (e[0] & SELF) != 0) {
            return e[1];
        }
        int dot = name.indexOf('.');
        while (dot >= 0) {
            String suffix = name.substring(dot + 1);
            e = model.get(suffix);
            if (e != null && (e[0] & BELOW) != 0) {
                return e[1];
            }
            dot = name.indexOf('.', dot + 1);
        }
        return NO_MATCH;
    }
}
