package dev.dotgate.policy;

import dev.dotgate.wire.DomainSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a block or exception list line by line, recognising the format of each line on its own (see
 * {@link ListFormat}), and adds its names straight to the given builders: nothing is collected in between.
 *
 * <ul>
 *   <li>Blank lines, comments ({@code #}, {@code !}) and {@code [Adblock Plus 2.0]}-style headers are skipped.
 *   <li>Hosts lines: an address, then one or more names; a trailing {@code # comment} is allowed. The usual
 *       {@code localhost}, {@code localhost.localdomain}, {@code broadcasthost}, {@code local}, {@code ip6-*},
 *       {@code localhost4}/{@code localhost6} (with their {@code .localdomainN}) and address-like names are skipped.
 *   <li>Plain names: {@code name} blocks the name and every name below it, {@code *.name} only the names below.
 *   <li>Adblock: {@code ||name^}, {@code ||name^|} and {@code ||name^$important} (also {@code $all},
 *       {@code $document}, {@code $doc}, comma-separated) block the name and below; {@code @@||name^} is an
 *       exception. Other options, paths, regexes, cosmetic rules and other adblock syntax count as unsupported.
 *   <li>Anything else, and names that are not valid, count as bad lines; the first few are kept.
 * </ul>
 */
public final class ListParser {
    /** A rejected line: its 1-based number and (shortened) text. */
    public record BadLine(int line, String text) {
    }

    /**
     * What one list contributed.
     *
     * @param names            valid names added to the block builder (repeats included)
     * @param exceptions       valid names added to the exception builder
     * @param badLines         lines that were not understood or held an invalid name
     * @param unsupportedLines adblock rules this DNS-level matcher cannot honour (paths, options, regexes...)
     * @param firstBad         the first few bad lines
     * @param formats          the formats seen
     */
    public record Result(int names, int exceptions, int badLines, int unsupportedLines, List<BadLine> firstBad,
            Set<ListFormat> formats) {
    }

    private final DomainSet.Builder blocks;
    private final DomainSet.Builder exceptions;
    private final int tag;
    private final boolean exceptionList;
    private final BadLines bad = new BadLines();
    private final EnumSet<ListFormat> formats = EnumSet.noneOf(ListFormat.class);
    private int names;
    private int exceptionNames;
    private int unsupported;

    private ListParser(DomainSet.Builder blocks, DomainSet.Builder exceptions, int tag, boolean exceptionList) {
        this.blocks = blocks;
        this.exceptions = exceptions;
        this.tag = tag;
        this.exceptionList = exceptionList;
    }

    /**
     * Parses {@code in} to its end (the caller closes it). Names go to {@code blocks} with {@code tag}, exceptions
     * ({@code @@} rules, or every name when {@code exceptionList}) to {@code exceptions} with {@code tag}.
     */
    public static Result parse(Reader in, DomainSet.Builder blocks, DomainSet.Builder exceptions, int tag,
            boolean exceptionList) throws IOException {
        ListParser p = new ListParser(blocks, exceptions, tag, exceptionList);
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in, 1 << 16);
        int number = 0;
        String line;
        while ((line = r.readLine()) != null) {
            number++;
            p.line(number, line);
        }
        return new Result(p.names, p.exceptionNames, p.bad.count(), p.unsupported, p.bad.first(),
                Set.copyOf(p.formats));
    }

    private void line(int number, String s) {
        int a = 0;
        int b = s.length();
        if (number == 1 && b > 0 && s.charAt(0) == '\uFEFF') {
            a++;
        }
        while (a < b && s.charAt(a) <= ' ') {
            a++;
        }
        while (b > a && s.charAt(b - 1) <= ' ') {
            b--;
        }
        if (a == b) {
            return;
        }
        char c = s.charAt(a);
        if (c == '#' || c == '!' || c == '[' && s.charAt(b - 1) == ']') {
            return;
        }
        if (c == '|' || c == '@' || c == '/') {
            adblock(number, s, a, b);
            return;
        }
        int hash = s.indexOf('#', a);
        if (hash >= 0 && hash < b) {
            if (s.charAt(hash - 1) > ' ') {
                unsupported++; // example.com##.banner and other cosmetic rules
                formats.add(ListFormat.ADBLOCK);
                return;
            }
            b = hash;
            while (b > a && s.charAt(b - 1) <= ' ') {
                b--;
            }
        }
        int firstEnd = ListTokens.tokenEnd(s, a, b);
        if (ListTokens.isAddress(s, a, firstEnd)) {
            hosts(number, s, firstEnd, b);
        } else if (firstEnd < b) {
            bad.add(number, s);
        } else {
            domain(number, s, a, b);
        }
    }

    private void hosts(int number, String s, int from, int b) {
        formats.add(ListFormat.HOSTS);
        boolean any = false;
        boolean invalid = false;
        int i = from;
        while (true) {
            while (i < b && s.charAt(i) <= ' ') {
                i++;
            }
            if (i >= b) {
                break;
            }
            int end = ListTokens.tokenEnd(s, i, b);
            any = true;
            if (!ListTokens.skippedHostsName(s, i, end)
                    && !add(s, i, end, DomainSet.SELF | DomainSet.BELOW, false)) {
                invalid = true;
            }
            i = end;
        }
        if (!any || invalid) {
            bad.add(number, s);
        }
    }

    private void domain(int number, String s, int a, int b) {
        formats.add(ListFormat.DOMAINS);
        for (int i = a; i < b; i++) {
            char c = s.charAt(i);
            if (c == '^' || c == '$' || c == '|' || c == '/' || (c == '*' && i != a)) {
                unsupported++; // adblock syntax without the leading ||
                formats.add(ListFormat.ADBLOCK);
                return;
            }
        }
        boolean ok;
        if (b - a > 2 && s.charAt(a) == '*' && s.charAt(a + 1) == '.') {
            ok = add(s, a + 2, b, DomainSet.BELOW, false);
        } else {
            ok = !ListTokens.isAddress(s, a, b) && add(s, a, b, DomainSet.SELF | DomainSet.BELOW, false);
        }
        if (!ok) {
            bad.add(number, s);
        }
    }

    private void adblock(int number, String s, int a, int b) {
        formats.add(ListFormat.ADBLOCK);
        boolean exception = s.startsWith("@@", a);
        int i = exception ? a + 2 : a;
        if (!s.startsWith("||", i)) {
            if (s.charAt(a) == '@' && !exception) {
                bad.add(number, s);
            } else {
                unsupported++; // |https://..., /regex/, @@|...
            }
            return;
        }
        i += 2;
        int nameStart = i;
        while (i < b && ListTokens.isNameChar(s.charAt(i))) {
            i++;
        }
        int nameEnd = i;
        if (i == b || s.charAt(i) != '^') {
            unsupported++; // no ^ separator, a path, a wildcard, ...
            return;
        }
        i++;
        if (i < b && s.charAt(i) == '|') {
            i++;
        }
        if (i < b) {
            if (s.charAt(i) != '$' || !ListTokens.optionsAccepted(s, i + 1, b)) {
                unsupported++;
                return;
            }
        }
        if (!add(s, nameStart, nameEnd, DomainSet.SELF | DomainSet.BELOW, exception)) {
            bad.add(number, s);
        }
    }

    private boolean add(String s, int start, int end, int flags, boolean exception) {
        if (exception || exceptionList) {
            if (!exceptions.add(s, start, end, flags, tag)) {
                return false;
            }
            exceptionNames++;
        } else {
            if (!blocks.add(s, start, end, flags, tag)) {
                return false;
            }
            names++;
        }
        return true;
    }
}
