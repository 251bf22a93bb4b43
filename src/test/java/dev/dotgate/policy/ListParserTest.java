package dev.dotgate.policy;

import static dev.dotgate.wire.DomainSet.NO_MATCH;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import dev.dotgate.wire.DomainSet;
import org.junit.jupiter.api.Test;

/** Line recognition: every format, comments, what is skipped, what is unsupported, what is bad. */
class ListParserTest {
    private DomainSet blocks;
    private DomainSet exceptions;

    private ListParser.Result parse(String text, boolean exceptionList) throws Exception {
        DomainSet.Builder b = DomainSet.builder();
        DomainSet.Builder e = DomainSet.builder();
        ListParser.Result r = ListParser.parse(new StringReader(text), b, e, 9, exceptionList);
        blocks = b.build();
        exceptions = e.build();
        return r;
    }

    @Test
    void hostsLines() throws Exception {
        ListParser.Result r = parse("""
                # a hosts file
                127.0.0.1 localhost
                127.0.0.1 localhost.localdomain localhost4 localhost4.localdomain4
                ::1 localhost6 localhost6.localdomain6
                255.255.255.255 broadcasthost
                ::1 localhost ip6-localhost ip6-loopback
                fe80::1%lo0 localhost
                ff02::1 ip6-allnodes
                0.0.0.0 0.0.0.0
                0.0.0.0 local
                0.0.0.0 ads.example.com
                127.0.0.1\ttracker.example.net   # trailing comment
                :: v6.example.org
                0.0.0.0 one.example two.example  three.example
                0.0.0.0 Mixed.Case.Example.
                """, false);
        assertThat(r.badLines()).isZero();
        assertThat(r.unsupportedLines()).isZero();
        assertThat(r.names()).isEqualTo(7);
        assertThat(r.formats()).containsExactly(ListFormat.HOSTS);
        assertThat(blocks.size()).isEqualTo(7);
        for (String n : new String[] {"ads.example.com", "sub.ads.example.com", "tracker.example.net",
                "v6.example.org", "one.example", "two.example", "three.example", "mixed.case.example"}) {
            assertThat(blocks.match(n)).as(n).isEqualTo(9);
        }
        for (String n : new String[] {"localhost", "localhost.localdomain", "broadcasthost", "local",
                "ip6-localhost", "ip6-allnodes", "0.0.0.0", "example.com", "comment"}) {
            assertThat(blocks.match(n)).as(n).isEqualTo(NO_MATCH);
        }
    }

    @Test
    void plainAndAdblockLinesAndHeaders() throws Exception {
        ListParser.Result r = parse("""
                \uFEFF[Adblock Plus 2.0]
                ! Title: test
                !
                plain.example
                \t  indented.example \t
                *.below.example
                name.with.comment.example # why
                ||ad.example^
                ||important.example^$important
                ||all.example^$all,important
                ||piped.example^|
                @@||fine.ad.example^
                @@||also-fine.example^$important
                """, false);
        assertThat(r.badLines()).isZero();
        assertThat(r.unsupportedLines()).isZero();
        assertThat(r.names()).isEqualTo(8);
        assertThat(r.exceptions()).isEqualTo(2);
        assertThat(r.formats()).containsExactlyInAnyOrder(ListFormat.DOMAINS, ListFormat.ADBLOCK);
        assertThat(blocks.match("plain.example")).isEqualTo(9);
        assertThat(blocks.match("x.plain.example")).isEqualTo(9);
        assertThat(blocks.match("indented.example")).isEqualTo(9);
        assertThat(blocks.match("below.example")).isEqualTo(NO_MATCH);
        assertThat(blocks.match("a.below.example")).isEqualTo(9);
        assertThat(blocks.match("name.with.comment.example")).isEqualTo(9);
        assertThat(blocks.match("x.ad.example")).isEqualTo(9);
        assertThat(blocks.match("important.example")).isEqualTo(9);
        assertThat(blocks.match("all.example")).isEqualTo(9);
        assertThat(blocks.match("piped.example")).isEqualTo(9);
        assertThat(exceptions.match("fine.ad.example")).isEqualTo(9);
        assertThat(exceptions.match("x.fine.ad.example")).isEqualTo(9);
        assertThat(exceptions.match("also-fine.example")).isEqualTo(9);
        assertThat(exceptions.match("ad.example")).isEqualTo(NO_MATCH);
    }

    @Test
    void unsupportedRulesAreCountedApart() throws Exception {
        ListParser.Result r = parse("""
                ||example.com/ads/*
                ||tracker.example^$third-party
                ||script.example^$script,important
                ||wild*.example^
                ||noseparator.example
                |https://example.com/banner
                /banner[0-9]+/
                @@|https://example.com
                example.com##.banner
                example.com#@#.banner
                example.org^
                ads.example$popup
                """, false);
        assertThat(r.unsupportedLines()).isEqualTo(12);
        assertThat(r.badLines()).isZero();
        assertThat(r.names()).isZero();
        assertThat(blocks.size()).isZero();
    }

    @Test
    void badLinesAreCountedWithTheirNumbers() throws Exception {
        ListParser.Result r = parse("""
                good.example
                bad..example
                two names.example
                0.0.0.0
                0.0.0.0 fine.example bad!name.example
                1.2.3.4
                @x.example
                ||bad..example^
                exämple.com
                also.good.example
                """, false);
        assertThat(r.badLines()).isEqualTo(8);
        assertThat(r.names()).isEqualTo(3);
        assertThat(r.firstBad()).hasSize(5);
        assertThat(r.firstBad().get(0)).isEqualTo(new ListParser.BadLine(2, "bad..example"));
        assertThat(r.firstBad().get(1)).isEqualTo(new ListParser.BadLine(3, "two names.example"));
        assertThat(r.firstBad().get(3).line()).isEqualTo(5);
        assertThat(blocks.match("fine.example")).isEqualTo(9);
        assertThat(BadLines.describe(r.badLines(), r.firstBad())).isEqualTo(
                "8 bad lines (first: line 2 'bad..example')");
    }

    @Test
    void everyEntryOfAnExceptionListIsAnException() throws Exception {
        ListParser.Result r = parse("""
                0.0.0.0 hosts.example
                plain.example
                ||adblock.example^
                @@||exception.example^
                *.below.example
                """, true);
        assertThat(r.names()).isZero();
        assertThat(r.exceptions()).isEqualTo(5);
        assertThat(blocks.size()).isZero();
        assertThat(exceptions.match("a.hosts.example")).isEqualTo(9);
        assertThat(exceptions.match("plain.example")).isEqualTo(9);
        assertThat(exceptions.match("adblock.example")).isEqualTo(9);
        assertThat(exceptions.match("exception.example")).isEqualTo(9);
        assertThat(exceptions.match("below.example")).isEqualTo(NO_MATCH);
        assertThat(exceptions.match("x.below.example")).isEqualTo(9);
    }

    @Test
    void recognisesAddresses() {
        for (String a : new String[] {"0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::1", "fe80::1%lo0",
                "2001:db8::1", "::ffff:1.2.3.4"}) {
            assertThat(ListTokens.isAddress(a, 0, a.length())).as(a).isTrue();
        }
        for (String a : new String[] {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "cafe", "0.0.0.0a",
                "example.com", "1.2.3.4."}) {
            assertThat(ListTokens.isAddress(a, 0, a.length())).as(a).isFalse();
        }
    }
}
