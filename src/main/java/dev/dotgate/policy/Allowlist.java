package dev.dotgate.policy;

import dev.dotgate.wire.DomainSet;
import io.netty.buffer.ByteBuf;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names let through whatever else policy says. One entry per line: {@code example.com} allows exactly that name,
 * {@code *.example.com} every name below it but not example.com itself (list both for both). {@code #} starts a
 * comment; lines that are not one valid entry are counted and skipped.
 */
public final class Allowlist {
    private static final Logger log = LoggerFactory.getLogger(Allowlist.class);
    private static final Allowlist EMPTY = new Allowlist(DomainSet.empty(), 0, List.of());

    private final DomainSet names;
    private final int badLines;
    private final List<ListParser.BadLine> firstBad;

    private Allowlist(DomainSet names, int badLines, List<ListParser.BadLine> firstBad) {
        this.names = names;
        this.badLines = badLines;
        this.firstBad = firstBad;
    }

    /** Allows nothing. */
    public static Allowlist empty() {
        return EMPTY;
    }

    /** Reads {@code file}, logging one INFO line (names, bad lines). */
    public static Allowlist load(Path file) throws ListException {
        long t0 = System.nanoTime();
        if (!Files.isRegularFile(file)) {
            throw new ListException("allowlist: no such file " + file.toAbsolutePath());
        }
        Allowlist a;
        try (Reader in = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8)) {
            a = parse(in);
        } catch (IOException e) {
            throw new ListException("allowlist: cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
        }
        log.info("allowlist {}: {} names, {}, {} ms", file, a.size(), BadLines.describe(a.badLines, a.firstBad),
                (System.nanoTime() - t0) / 1_000_000);
        return a;
    }

    /** Parses an allowlist from {@code in} to its end (the caller closes it). */
    public static Allowlist parse(Reader in) throws IOException {
        DomainSet.Builder builder = DomainSet.builder();
        BadLines bad = new BadLines();
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        String line;
        int number = 0;
        while ((line = r.readLine()) != null) {
            number++;
            String s = line;
            int hash = s.indexOf('#');
            if (hash >= 0) {
                s = s.substring(0, hash);
            }
            s = s.strip();
            if (number == 1 && s.startsWith("\uFEFF")) {
                s = s.substring(1).strip();
            }
            if (s.isEmpty()) {
                continue;
            }
            boolean ok = s.startsWith("*.")
                    ? builder.add(s, 2, s.length(), DomainSet.BELOW, 0)
                    : builder.add(s, DomainSet.SELF, 0);
            if (!ok) {
                bad.add(number, line);
            }
        }
        return new Allowlist(builder.build(), bad.count(), bad.first());
    }

    /**
     * Whether the uncompressed wire-format name at {@code nameOffset} of {@code msg} is allowed. Does not move
     * indexes, take ownership or allocate.
     */
    public boolean allows(ByteBuf msg, int nameOffset) {
        return names.match(msg, nameOffset) != DomainSet.NO_MATCH;
    }

    /** {@link #allows(ByteBuf, int)} for a dotted name. */
    public boolean allows(String name) {
        return names.match(name) != DomainSet.NO_MATCH;
    }

    /** Distinct names. */
    public int size() {
        return names.size();
    }

    public int badLines() {
        return badLines;
    }

    /** The first few bad lines, with their line numbers. */
    public List<ListParser.BadLine> firstBad() {
        return firstBad;
    }

    public long memoryBytes() {
        return names.memoryBytes();
    }
}
