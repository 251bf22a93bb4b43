package dev.dotgate.cache;

import static dev.dotgate.cache.Messages.answer;
import static dev.dotgate.cache.Messages.key;
import static dev.dotgate.cache.Messages.parse;
import static dev.dotgate.cache.Messages.query;
import static dev.dotgate.cache.Messages.rr;
import static dev.dotgate.cache.Messages.soa;
import static dev.dotgate.cache.Messages.wire;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The wire-bytes answer cache against messages built by dnsjava, on a clock the tests move. */
class AnswerCacheTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    private AnswerCache cache(CacheOptions options) {
        return new AnswerCache(options, now::get);
    }

    private AnswerCache cache() {
        return cache(CacheOptions.defaults());
    }

    private static CacheOptions options(Duration minTtl, Duration maxTtl, Duration negativeMaxTtl,
            Duration staleWindow) {
        return new CacheOptions(true, 1000, minTtl, maxTtl, negativeMaxTtl, staleWindow, Duration.ofSeconds(30),
                0.1, 2);
    }

    private void advance(double seconds) {
        now.addAndGet((long) (seconds * 1e9));
    }

    private static PutResult put(AnswerCache cache, Message query, Message answer) {
        ByteBuf a = wire(answer);
        try {
            PutResult r = cache.put(key(query), a);
            assertThat(a.refCnt()).isEqualTo(1);
            assertThat(a.readerIndex()).isZero();
            return r;
        } finally {
            a.release();
        }
    }

    /** Looks {@code query} up; null on a miss, else the parsed answer. Asserts prefetchDue is {@code prefetch}. */
    private static Message lookup(AnswerCache cache, Message query, boolean prefetch) throws IOException {
        ByteBuf q = wire(query);
        try {
            CacheLookup r = cache.lookup(key(query), q, ALLOC);
            assertThat(r.prefetchDue()).isEqualTo(prefetch);
            return r.hit() ? parse(r.answer()) : null;
        } finally {
            q.release();
        }
    }

    private static Message lookup(AnswerCache cache, Message query) throws IOException {
        return lookup(cache, query, false);
    }

    private static Message stale(AnswerCache cache, Message query) throws IOException {
        ByteBuf q = wire(query);
        try {
            ByteBuf a = cache.stale(key(query), q, ALLOC);
            return a == null ? null : parse(a);
        } finally {
            q.release();
        }
    }

    private static List<Long> ttls(Message m, int section) {
        return m.getSection(section).stream().filter(r -> r.getType() != Type.OPT).map(Record::getTTL).toList();
    }

    @Test
    void hitCarriesTheNewQuerysIdAndCaseAndCountsTtlsDown() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A, 0x1111, true, false);
        assertThat(put(cache, q, answer(q, rr("www.example.com. 300 IN A 192.0.2.1"))))
                .isEqualTo(PutResult.POSITIVE);
        advance(7.9);

        Message again = query("wWw.ExAmple.COM.", Type.A, 0xBEEF, true, false);
        again.getHeader().unsetFlag(Flags.RD);
        Message hit = lookup(cache, again);
        assertThat(hit).isNotNull();
        assertThat(hit.getHeader().getID()).isEqualTo(0xBEEF);
        assertThat(hit.getHeader().getFlag(Flags.RD)).isFalse();
        assertThat(hit.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(hit.getQuestion().getName().toString()).isEqualTo("wWw.ExAmple.COM.");
        assertThat(ttls(hit, Section.ANSWER)).containsExactly(293L);
        assertThat(hit.getSection(Section.ANSWER).get(0).rdataToString()).isEqualTo("192.0.2.1");
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.inserts()).isEqualTo(1);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void missesAreCountedAndExpiredEntriesMiss() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        assertThat(lookup(cache, q)).isNull();
        put(cache, q, answer(q, rr("www.example.com. 60 IN A 192.0.2.1")));
        advance(59.9);
        assertThat(lookup(cache, q)).isNotNull();
        advance(0.1);
        assertThat(lookup(cache, q)).isNull();
        assertThat(cache.misses()).isEqualTo(2);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void errorsTruncationAndNegativeAnswersWithoutSoaAreNotCached() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        assertThat(put(cache, q, answer(q, Rcode.SERVFAIL))).isEqualTo(PutResult.SERVFAIL);
        assertThat(put(cache, q, answer(q, Rcode.REFUSED))).isEqualTo(PutResult.REFUSED);
        assertThat(put(cache, q, answer(q, Rcode.FORMERR))).isEqualTo(PutResult.FORMERR);
        assertThat(put(cache, q, answer(q, Rcode.NOTIMP))).isEqualTo(PutResult.OTHER_RCODE);
        Message truncated = answer(q, rr("www.example.com. 300 IN A 192.0.2.1"));
        truncated.getHeader().setFlag(Flags.TC);
        assertThat(put(cache, q, truncated)).isEqualTo(PutResult.TRUNCATED);
        assertThat(put(cache, q, answer(q, Rcode.NXDOMAIN))).isEqualTo(PutResult.NEGATIVE_WITHOUT_SOA);
        assertThat(put(cache, q, answer(q))).isEqualTo(PutResult.NEGATIVE_WITHOUT_SOA);
        assertThat(put(cache, q, answer(q, rr("www.example.com. 0 IN A 192.0.2.1")))).isEqualTo(PutResult.ZERO_TTL);

        assertThat(lookup(cache, q)).isNull();
        assertThat(stale(cache, q)).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.inserts()).isZero();
        assertThat(cache.notCacheable(PutResult.SERVFAIL)).isEqualTo(1);
        assertThat(cache.notCacheable(PutResult.TRUNCATED)).isEqualTo(1);
        assertThat(cache.notCacheable(PutResult.NEGATIVE_WITHOUT_SOA)).isEqualTo(2);
        assertThat(cache.notCacheable(PutResult.POSITIVE)).isZero();
    }

    @Test
    void nxdomainLivesForTheSmallerOfSoaTtlAndMinimum() throws Exception {
        AnswerCache cache = cache();
        Message q = query("nope.example.com.", Type.A);
        Message nx = answer(q, Rcode.NXDOMAIN);
        nx.addRecord(soa("example.com.", 3600, 60), Section.AUTHORITY);
        assertThat(put(cache, q, nx)).isEqualTo(PutResult.NEGATIVE);
        advance(10);
        Message hit = lookup(cache, q);
        assertThat(hit.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(ttls(hit, Section.AUTHORITY)).containsExactly(50L); // the SOA's TTL is the negative TTL
        advance(50);
        assertThat(lookup(cache, q)).isNull();

        Message q2 = query("other.example.com.", Type.A);
        Message nx2 = answer(q2, Rcode.NXDOMAIN);
        nx2.addRecord(soa("example.com.", 30, 900), Section.AUTHORITY);
        put(cache, q2, nx2);
        advance(29);
        assertThat(ttls(lookup(cache, q2), Section.AUTHORITY)).containsExactly(1L);
        advance(1);
        assertThat(lookup(cache, q2)).isNull();
    }

    @Test
    void nodataIsCachedAsNegative() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.AAAA);
        Message nodata = answer(q);
        nodata.addRecord(soa("example.com.", 300, 120), Section.AUTHORITY);
        assertThat(put(cache, q, nodata)).isEqualTo(PutResult.NEGATIVE);
        advance(119);
        Message hit = lookup(cache, q);
        assertThat(hit.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(hit.getSection(Section.ANSWER)).isEmpty();
        assertThat(ttls(hit, Section.AUTHORITY)).containsExactly(1L);
        advance(1);
        assertThat(lookup(cache, q)).isNull();
    }

    @Test
    void cnameChainEndingInNodataCountsTheSoaMinimum() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.AAAA);
        Message a = answer(q, rr("www.example.com. 3600 IN CNAME web.example.net."));
        a.addRecord(soa("example.net.", 3600, 60), Section.AUTHORITY);
        assertThat(put(cache, q, a)).isEqualTo(PutResult.POSITIVE);
        advance(59);
        Message hit = lookup(cache, q);
        assertThat(ttls(hit, Section.ANSWER)).containsExactly(3541L);
        assertThat(ttls(hit, Section.AUTHORITY)).containsExactly(1L);
        advance(1);
        assertThat(lookup(cache, q)).isNull();
    }

    @Test
    void ttlsAreClampedToTheConfiguredBounds() throws Exception {
        AnswerCache cache = cache(options(Duration.ofSeconds(60), Duration.ofSeconds(100), Duration.ofSeconds(600),
                Duration.ZERO));
        Message low = query("low.example.com.", Type.A);
        put(cache, low, answer(low, rr("low.example.com. 5 IN A 192.0.2.1")));
        Message high = query("high.example.com.", Type.A);
        put(cache, high, answer(high, rr("high.example.com. 86400 IN A 192.0.2.2")));
        Message neg = query("neg.example.com.", Type.A);
        Message nx = answer(neg, Rcode.NXDOMAIN);
        nx.addRecord(soa("example.com.", 86400, 7200), Section.AUTHORITY);
        put(cache, neg, nx);

        advance(30);
        assertThat(ttls(lookup(cache, low), Section.ANSWER)).containsExactly(30L);
        assertThat(ttls(lookup(cache, high), Section.ANSWER)).containsExactly(70L);
        assertThat(ttls(lookup(cache, neg), Section.AUTHORITY)).containsExactly(570L);
        advance(30);
        assertThat(lookup(cache, low)).isNull();
        advance(40);
        assertThat(lookup(cache, high)).isNull();
        assertThat(lookup(cache, neg)).isNotNull();
        advance(500);
        assertThat(lookup(cache, neg)).isNull();
    }

    @Test
    void dnssecOkEdnsAndCheckingDisabledArePartOfTheKey() throws Exception {
        AnswerCache cache = cache();
        Message withDo = query("www.example.com.", Type.A, 1, true, true);
        Message plainEdns = query("www.example.com.", Type.A, 2, true, false);
        Message noEdns = query("www.example.com.", Type.A, 3, false, false);
        Message cd = query("www.example.com.", Type.A, 4, true, false);
        cd.getHeader().setFlag(Flags.CD);
        assertThat(key(withDo)).isNotEqualTo(key(plainEdns));
        assertThat(key(plainEdns)).isNotEqualTo(key(noEdns));
        assertThat(key(plainEdns)).isNotEqualTo(key(cd));
        assertThat(key(plainEdns)).isEqualTo(key(query("WWW.example.com.", Type.A, 9, true, false)));
        assertThat(key(plainEdns)).hasSameHashCodeAs(key(query("WWW.example.com.", Type.A, 9, true, false)));
        assertThat(key(plainEdns)).isNotEqualTo(key(query("www.example.com.", Type.AAAA, 2, true, false)));

        put(cache, withDo, answer(withDo, rr("www.example.com. 300 IN A 192.0.2.1")));
        assertThat(lookup(cache, plainEdns)).isNull();
        assertThat(lookup(cache, noEdns)).isNull();
        assertThat(lookup(cache, cd)).isNull();
        assertThat(lookup(cache, withDo).getOPT().getFlags() & ExtendedFlags.DO).isNotZero();

        put(cache, noEdns, answer(noEdns, rr("www.example.com. 300 IN A 192.0.2.1")));
        Message hit = lookup(cache, noEdns);
        assertThat(hit.getOPT()).isNull();
        assertThat(hit.getSection(Section.ADDITIONAL)).isEmpty();
    }

    @Test
    void anAnswerWithOptIsNotFiledUnderAKeyWithoutEdns() throws Exception {
        AnswerCache cache = cache();
        Message noEdns = query("www.example.com.", Type.A, 3, false, false);
        Message withOpt = answer(noEdns, rr("www.example.com. 300 IN A 192.0.2.1"));
        withOpt.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        assertThat(put(cache, noEdns, withOpt)).isEqualTo(PutResult.QUESTION_MISMATCH);
    }

    @Test
    void anAnswerToAnotherQuestionIsRejected() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        Message other = query("www.example.org.", Type.A);
        assertThat(put(cache, q, answer(other, rr("www.example.org. 300 IN A 192.0.2.1"))))
                .isEqualTo(PutResult.QUESTION_MISMATCH);
        Message aaaa = query("www.example.com.", Type.AAAA);
        assertThat(put(cache, q, answer(aaaa))).isEqualTo(PutResult.QUESTION_MISMATCH);
    }

    @Test
    void staleIsServedWithTtl30InsideTheWindowOnly() throws Exception {
        AnswerCache cache = cache(options(Duration.ZERO, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofSeconds(120)));
        Message q = query("www.example.com.", Type.A);
        Message a = answer(q, rr("www.example.com. 60 IN CNAME web.example.com."),
                rr("web.example.com. 300 IN A 192.0.2.1"));
        put(cache, q, a);
        assertThat(stale(cache, q)).isNotNull(); // fresh: served as a hit
        assertThat(cache.staleHits()).isZero();
        advance(70);
        assertThat(lookup(cache, q)).isNull();
        Message again = query("WWW.EXAMPLE.com.", Type.A, 0x4242, true, false);
        Message old = stale(cache, again);
        assertThat(old.getHeader().getID()).isEqualTo(0x4242);
        assertThat(old.getQuestion().getName().toString()).isEqualTo("WWW.EXAMPLE.com.");
        assertThat(ttls(old, Section.ANSWER)).containsExactly(30L, 30L);
        assertThat(cache.staleHits()).isEqualTo(1);
        advance(109.9);
        assertThat(stale(cache, q)).isNotNull();
        advance(0.1);
        assertThat(stale(cache, q)).isNull();
        cache.cleanUp();
        assertThat(cache.size()).isZero();
        assertThat(cache.expirations()).isEqualTo(1);
    }

    @Test
    void prefetchIsDueOnceNearTheEndForAPopularEntry() throws Exception {
        AnswerCache cache = cache(); // threshold 0.1, two hits
        Message q = query("www.example.com.", Type.A);
        Message a = answer(q, rr("www.example.com. 100 IN A 192.0.2.1"));
        put(cache, q, a);
        advance(91); // 9% left, but the first hit
        assertThat(lookup(cache, q, false)).isNotNull();
        assertThat(lookup(cache, q, true)).isNotNull();
        assertThat(lookup(cache, q, false)).isNotNull();
        advance(8);
        assertThat(lookup(cache, q, false)).isNotNull();

        put(cache, q, a); // the refresh replaces the entry
        assertThat(lookup(cache, q, false)).isNotNull();
        assertThat(lookup(cache, q, false)).isNotNull(); // popular, but 100% left
        advance(89);
        assertThat(lookup(cache, q, false)).isNotNull(); // 11% left
        advance(2);
        assertThat(lookup(cache, q, true)).isNotNull();
        assertThat(lookup(cache, q, false)).isNotNull();
    }

    @Test
    void compressedNamesInEverySectionAreWalkedAndEveryTtlCountsDown() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        Message a = answer(q, rr("www.example.com. 3600 IN CNAME web.example.com."),
                rr("web.example.com. 60 IN A 192.0.2.1"), rr("web.example.com. 60 IN A 192.0.2.2"));
        a.addRecord(rr("example.com. 7200 IN NS ns1.example.com."), Section.AUTHORITY);
        a.addRecord(rr("ns1.example.com. 7000 IN A 192.0.2.53"), Section.ADDITIONAL);
        a.addRecord(rr("ns1.example.com. 7000 IN AAAA 2001:db8::53"), Section.ADDITIONAL);
        int uncompressed = 12 + q.getQuestion().getName().length() + 4;
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record r : a.getSection(section)) {
                uncompressed += r.toWireCanonical().length;
            }
        }
        assertThat(a.toWire().length).isLessThan(uncompressed - 40); // dnsjava compressed the names
        put(cache, q, a);
        advance(12);
        Message hit = lookup(cache, q);
        assertThat(ttls(hit, Section.ANSWER)).containsExactly(3588L, 48L, 48L);
        assertThat(ttls(hit, Section.AUTHORITY)).containsExactly(7188L);
        assertThat(ttls(hit, Section.ADDITIONAL)).containsExactly(6988L, 6988L);
        assertThat(hit.getSection(Section.ANSWER).get(2).rdataToString()).isEqualTo("192.0.2.2");
        assertThat(hit.getSection(Section.ADDITIONAL).get(2).rdataToString()).isEqualTo("2001:db8:0:0:0:0:0:53"); // after the OPT
    }

    @Test
    void theOptTtlFieldKeepsItsFlags() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A, 7, true, true);
        Message a = answer(q, rr("www.example.com. 300 IN A 192.0.2.1"));
        byte[] sent = a.toWire();
        put(cache, q, a);
        advance(100);
        ByteBuf query = wire(q);
        CacheLookup r = cache.lookup(key(q), query, ALLOC);
        query.release();
        byte[] served = ByteBufUtil.getBytes(r.answer());
        Message hit = parse(r.answer());
        OPTRecord opt = hit.getOPT();
        assertThat(opt.getFlags()).isEqualTo(ExtendedFlags.DO);
        assertThat(opt.getPayloadSize()).isEqualTo(1232);
        // The OPT record is the last 11 bytes: identical, TTL field (ext rcode, version, flags) included.
        assertThat(Arrays.copyOfRange(served, served.length - 11, served.length))
                .isEqualTo(Arrays.copyOfRange(sent, sent.length - 11, sent.length));
        assertThat(ttls(hit, Section.ANSWER)).containsExactly(200L);
    }

    @Test
    void malformedAnswersAreRejectedNotThrown() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        Message a = answer(q, rr("www.example.com. 3600 IN CNAME web.example.com."),
                rr("web.example.com. 60 IN A 192.0.2.1"));
        a.addRecord(soa("example.com.", 300, 60), Section.AUTHORITY);
        byte[] full = a.toWire();
        CacheKey key = key(q);
        for (int length = 0; length < full.length; length++) {
            ByteBuf cut = Unpooled.wrappedBuffer(Arrays.copyOf(full, length));
            try {
                assertThatCode(() -> assertThat(cache.put(key, cut)).isEqualTo(PutResult.MALFORMED))
                        .as("prefix of %d bytes", length).doesNotThrowAnyException();
            } finally {
                cut.release();
            }
        }
        byte[] counts = full.clone();
        counts[6] = (byte) 0xFF; // ANCOUNT 65280+
        byte[] trailing = Arrays.copyOf(full, full.length + 3);
        byte[] query = q.toWire(); // QR=0
        byte[] badLabel = full.clone();
        int rname = indexOf(full, "\nhostmaster".getBytes(StandardCharsets.US_ASCII));
        badLabel[rname] = (byte) 0x80; // the SOA's RNAME starts with a label of type 10
        for (byte[] bad : List.of(counts, trailing, query)) {
            ByteBuf b = Unpooled.wrappedBuffer(bad);
            try {
                assertThat(cache.put(key, b)).isEqualTo(PutResult.MALFORMED);
            } finally {
                b.release();
            }
        }
        ByteBuf b = Unpooled.wrappedBuffer(badLabel);
        try {
            assertThat(cache.put(key, b)).isEqualTo(PutResult.MALFORMED);
        } finally {
            b.release();
        }
        assertThat(cache.size()).isZero();
    }

    /** Pointers the record walk refuses (RFC 1035 4.1.4: to a prior occurrence), and an OPT not at the root. */
    @Test
    void answersWithBadPointersOrABadOptAreMalformed() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        Message a = answer(q, rr("www.example.com. 300 IN A 192.0.2.1"), rr("www.example.com. 300 IN A 192.0.2.2"));
        byte[] full = a.toWire();
        CacheKey key = key(q);
        int first = 12 + 17 + 4; // the first answer's owner: a pointer to the question
        int second = first + 16;
        assertThat(full[first] & 0xFF).isEqualTo(0xC0);
        assertThat(full[second] & 0xFF).isEqualTo(0xC0);
        byte[] self = full.clone();
        self[first + 1] = (byte) first;
        byte[] forward = full.clone();
        forward[first + 1] = (byte) second;
        byte[] header = full.clone();
        header[first + 1] = 2;
        byte[] optOwner = full.clone(); // the second A becomes an OPT (it is in the answer section) ...
        optOwner[second + 2] = 0;
        optOwner[second + 3] = 41;
        byte[] optName = full.clone(); // ... and the real OPT (last, 11 bytes) gets a pointer for its root name
        int opt = full.length - 11;
        assertThat(full[opt]).isZero();
        optName = Arrays.copyOf(optName, full.length + 1);
        System.arraycopy(full, opt + 1, optName, opt + 2, 10);
        optName[opt] = (byte) 0xC0;
        optName[opt + 1] = 12;
        for (byte[] bad : List.of(self, forward, header, optOwner, optName)) {
            ByteBuf b = Unpooled.wrappedBuffer(bad);
            try {
                assertThat(cache.put(key, b)).isEqualTo(PutResult.MALFORMED);
            } finally {
                b.release();
                assertThat(b.refCnt()).isZero();
            }
        }
        ByteBuf good = Unpooled.wrappedBuffer(full);
        try {
            assertThat(cache.put(key, good)).isEqualTo(PutResult.POSITIVE);
        } finally {
            good.release();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void answersAreReadFromTheReaderIndex() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        byte[] a = answer(q, rr("www.example.com. 300 IN A 192.0.2.1")).toWire();
        ByteBuf framed = Unpooled.buffer();
        framed.writeShort(a.length).writeBytes(a).skipBytes(2); // as read off a TCP stream
        try {
            assertThat(cache.put(key(q), framed)).isEqualTo(PutResult.POSITIVE);
            assertThat(framed.readerIndex()).isEqualTo(2);
        } finally {
            framed.release();
        }
        ByteBuf query = Unpooled.buffer();
        byte[] qBytes = query("WWW.example.com.", Type.A, 99, true, false).toWire();
        query.writeShort(qBytes.length).writeBytes(qBytes).skipBytes(2);
        try {
            Message hit = parse(cache.lookup(key(q), query, ALLOC).answer());
            assertThat(hit.getHeader().getID()).isEqualTo(99);
            assertThat(hit.getQuestion().getName().toString()).isEqualTo("WWW.example.com.");
        } finally {
            query.release();
        }
    }

    @Test
    void sizeBytesEvictionsAndInvalidation() throws Exception {
        AnswerCache cache = cache(new CacheOptions(true, 2, Duration.ZERO, Duration.ofDays(1), Duration.ofHours(1),
                Duration.ofDays(1), Duration.ofSeconds(30), 0.1, 2));
        int length = 0;
        for (int i = 0; i < 3; i++) {
            Message q = query("host" + i + ".example.com.", Type.A);
            Message a = answer(q, rr("host" + i + ".example.com. 300 IN A 192.0.2.1"));
            length = a.toWire().length; // the same for every i
            put(cache, q, a);
        }
        cache.cleanUp();
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.evictions()).isEqualTo(1);
        assertThat(cache.inserts()).isEqualTo(3);
        assertThat(cache.estimatedBytes()).isEqualTo(2L * (length + AnswerCache.ENTRY_OVERHEAD_BYTES));
        cache.invalidateAll();
        assertThat(cache.size()).isZero();
        assertThat(cache.estimatedBytes()).isZero();
    }

    @Test
    void aReplacementCountsItsBytesOnce() throws Exception {
        AnswerCache cache = cache();
        Message q = query("www.example.com.", Type.A);
        put(cache, q, answer(q, rr("www.example.com. 300 IN A 192.0.2.1")));
        Message two = answer(q, rr("www.example.com. 300 IN A 192.0.2.1"), rr("www.example.com. 300 IN A 192.0.2.2"));
        assertThat(put(cache, q, two)).isEqualTo(PutResult.POSITIVE);
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.estimatedBytes()).isEqualTo(two.toWire().length + AnswerCache.ENTRY_OVERHEAD_BYTES);
        assertThat(lookup(cache, q).getSection(Section.ANSWER)).hasSize(2);
    }

    @Test
    void aDisabledCacheStoresNothing() throws Exception {
        CacheOptions d = CacheOptions.defaults();
        AnswerCache cache = cache(new CacheOptions(false, d.maxEntries(), d.minTtl(), d.maxTtl(),
                d.negativeMaxTtl(), d.staleWindow(), d.staleTtl(), d.prefetchThreshold(), d.prefetchMinHits()));
        Message q = query("www.example.com.", Type.A);
        assertThat(put(cache, q, answer(q, rr("www.example.com. 300 IN A 192.0.2.1")))).isEqualTo(PutResult.DISABLED);
        assertThat(lookup(cache, q)).isNull();
        assertThat(cache.size()).isZero();
    }
}
