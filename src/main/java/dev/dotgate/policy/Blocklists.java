package dev.dotgate.policy;

import dev.dotgate.wire.DomainSet;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loaded block lists: one {@link DomainSet} of blocked names tagged with the index of the list that listed them
 * first, and one of exceptions. Immutable and safe to share between threads; a refresh builds a new one.
 */
public final class Blocklists {
    private static final Logger log = LoggerFactory.getLogger(Blocklists.class);
    private static final Blocklists EMPTY = new Blocklists(DomainSet.empty(), DomainSet.empty(), new String[0],
            List.of(), List.of());

    /**
     * How one list loaded.
     *
     * @param name             the list's display name
     * @param exceptionList    whether every entry of the list is an exception
     * @param names            names it blocks (repeats included)
     * @param exceptions       exceptions it adds ({@code @@} rules, or every name of an exception list)
     * @param badLines         lines not understood or holding an invalid name
     * @param unsupportedLines adblock rules a DNS matcher cannot honour
     * @param firstBad         the first few bad lines
     * @param millis           time to fetch and parse it
     * @param stale            whether the download failed and a cached copy was used
     */
    public record ListReport(String name, boolean exceptionList, int names, int exceptions, int badLines,
            int unsupportedLines, List<ListParser.BadLine> firstBad, long millis, boolean stale) {

        /** The log line: {@code blocklist NAME: N names, B bad lines (first: line 17 'xyz'), T ms}. */
        public String summary() {
            StringBuilder sb = new StringBuilder(exceptionList ? "exception list " : "blocklist ").append(name)
                    .append(": ");
            int count = exceptionList ? exceptions : names;
            sb.append(count).append(count == 1 ? " name, " : " names, ");
            if (!exceptionList && exceptions > 0) {
                sb.append(exceptions).append(exceptions == 1 ? " exception, " : " exceptions, ");
            }
            sb.append(BadLines.describe(badLines, firstBad));
            if (unsupportedLines > 0) {
                sb.append(", ").append(unsupportedLines).append(" unsupported rules skipped");
            }
            sb.append(", ").append(millis).append(" ms");
            if (stale) {
                sb.append(" (cached copy: download failed)");
            }
            return sb.toString();
        }
    }

    private final DomainSet blocks;
    private final DomainSet exceptions;
    private final String[] listNames;
    private final List<ListReport> reports;
    private final List<String> missing;

    private Blocklists(DomainSet blocks, DomainSet exceptions, String[] listNames, List<ListReport> reports,
            List<String> missing) {
        this.blocks = blocks;
        this.exceptions = exceptions;
        this.listNames = listNames;
        this.reports = List.copyOf(reports);
        this.missing = List.copyOf(missing);
    }

    /** Blocks nothing. */
    public static Blocklists empty() {
        return EMPTY;
    }

    /** {@link #load(List, List, Path, ListSource.FetchOptions)} with the default download limits. */
    public static Blocklists load(List<ListSource> block, List<ListSource> exceptionSources, Path cacheDir)
            throws ListException {
        return load(block, exceptionSources, cacheDir, ListSource.FetchOptions.DEFAULTS);
    }

    /**
     * Fetches and parses every list, in order, logging one INFO line per list. A name listed by several block
     * lists is reported as blocked by the first. Exceptions come from {@code @@} rules in block lists and from
     * every entry of {@code exceptionSources}.
     *
     * @param cacheDir where downloads are kept (needed only when a source is a URL)
     * @throws ListException when a list cannot be read at all (no file, or no download and no cached copy)
     */
    public static Blocklists load(List<ListSource> block, List<ListSource> exceptionSources, Path cacheDir,
            ListSource.FetchOptions options) throws ListException {
        return load(block, exceptionSources, cacheDir, options, false);
    }

    /**
     * Like {@link #load(List, List, Path, ListSource.FetchOptions)}, but a list that cannot be read at all is left
     * out (logged, and named in {@link #missing()}) instead of failing the whole load: for a start that does not
     * wait for an unreachable list ({@code policy.lists_start}).
     */
    public static Blocklists loadAvailable(List<ListSource> block, List<ListSource> exceptionSources,
            Path cacheDir, ListSource.FetchOptions options) {
        try {
            return load(block, exceptionSources, cacheDir, options, true);
        } catch (ListException e) {
            throw new IllegalStateException("a tolerant load cannot fail", e);
        }
    }

    private static Blocklists load(List<ListSource> block, List<ListSource> exceptionSources, Path cacheDir,
            ListSource.FetchOptions options, boolean tolerate) throws ListException {
        List<String> missing = new ArrayList<>();
        long start = System.nanoTime();
        DomainSet.Builder blocks = DomainSet.builder();
        DomainSet.Builder exceptions = DomainSet.builder();
        List<ListReport> reports = new ArrayList<>();
        String[] names = new String[block.size()];
        for (int i = 0; i < block.size(); i++) {
            names[i] = block.get(i).name();
            ListReport r = loadOne(block.get(i), i, false, blocks, exceptions, cacheDir, options, tolerate, missing);
            if (r != null) {
                reports.add(r);
            }
        }
        for (int j = 0; j < exceptionSources.size(); j++) {
            ListReport r = loadOne(exceptionSources.get(j), block.size() + j, true, blocks, exceptions, cacheDir,
                    options, tolerate, missing);
            if (r != null) {
                reports.add(r);
            }
        }
        Blocklists lists = new Blocklists(blocks.build(), exceptions.build(), names, reports, missing);
        if (block.size() + exceptionSources.size() > 1) {
            log.info("blocklists: {} distinct names, {} exceptions, {} MiB, {} ms", lists.size(),
                    lists.exceptionSize(), String.format("%.1f", lists.memoryBytes() / 1048576.0),
                    (System.nanoTime() - start) / 1_000_000);
        }
        return lists;
    }

    /** One list into the builders; null when it cannot be read and {@code tolerate} (its name goes to missing). */
    private static ListReport loadOne(ListSource source, int tag, boolean exceptionList, DomainSet.Builder blocks,
            DomainSet.Builder exceptions, Path cacheDir, ListSource.FetchOptions options, boolean tolerate,
            List<String> missing) throws ListException {
        long t0 = System.nanoTime();
        ListSource.Fetched fetched;
        try {
            fetched = source.fetch(cacheDir, options);
        } catch (ListException e) {
            if (!tolerate) {
                throw e;
            }
            log.warn("{}; serving without it for now", e.getMessage());
            missing.add(source.name());
            return null;
        }
        ListParser.Result r;
        // InputStreamReader replaces malformed UTF-8 (Files.newBufferedReader would throw on it).
        try (Reader in = new InputStreamReader(Files.newInputStream(fetched.file()), StandardCharsets.UTF_8)) {
            r = ListParser.parse(in, blocks, exceptions, tag, exceptionList);
        } catch (IOException e) {
            throw new ListException("list " + source.name() + ": cannot read " + fetched.file() + ": "
                    + e.getMessage());
        }
        ListReport report = new ListReport(source.name(), exceptionList, r.names(), r.exceptions(), r.badLines(),
                r.unsupportedLines(), r.firstBad(), (System.nanoTime() - t0) / 1_000_000, fetched.stale());
        log.info("{}", report.summary());
        if (r.names() + r.exceptions() == 0) {
            String formats = r.formats().stream().map(f -> f.name().toLowerCase(Locale.ROOT)).sorted()
                    .collect(Collectors.joining(", "));
            log.warn("list {} has no usable names (formats seen: {})", source.name(),
                    formats.isEmpty() ? "none" : formats);
        }
        return report;
    }

    /**
     * The display name of the list blocking the uncompressed wire-format name at {@code nameOffset} of {@code msg}
     * (for a query, {@code readerIndex() + 12}), or null when no list blocks it or an exception covers it (an
     * exception for a name covers the name and every name below it, whatever the block lists say). Does not move
     * indexes, take ownership or allocate.
     */
    public String blockedBy(ByteBuf msg, int nameOffset) {
        int tag = blocks.match(msg, nameOffset);
        if (tag == DomainSet.NO_MATCH || exceptions.match(msg, nameOffset) != DomainSet.NO_MATCH) {
            return null;
        }
        return listNames[tag];
    }

    /** {@link #blockedBy(ByteBuf, int)} for a dotted name. */
    public String blockedBy(String name) {
        int tag = blocks.match(name);
        if (tag == DomainSet.NO_MATCH || exceptions.match(name) != DomainSet.NO_MATCH) {
            return null;
        }
        return listNames[tag];
    }

    /** Distinct blocked names. */
    public int size() {
        return blocks.size();
    }

    /** Distinct exception names. */
    public int exceptionSize() {
        return exceptions.size();
    }

    /** Bytes held by both sets. */
    public long memoryBytes() {
        return blocks.memoryBytes() + exceptions.memoryBytes();
    }

    /** One report per list, block lists first, in the order given. */
    public List<ListReport> reports() {
        return reports;
    }

    /** The lists that could not be loaded at all and were left out (see {@link #loadAvailable}); usually none. */
    public List<String> missing() {
        return missing;
    }

    /** The display names of the block lists, by tag. */
    public List<String> listNames() {
        return List.of(listNames);
    }

    @Override
    public String toString() {
        return "Blocklists[" + size() + " names, " + exceptionSize() + " exceptions, lists "
                + List.of(listNames) + "]";
    }
}
