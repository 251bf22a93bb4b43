package dev.dotgate.policy;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a synthetic list of {@code count} names in one format, with a bad line after every 10,000 names and, in
 * adblock format, an unsupported rule after every 20,000. Listed names all have four labels, so neither their
 * parents nor other generated names are listed.
 */
final class GeneratedList {
    final Path file;
    final int count;
    int badLines;
    int unsupportedLines;
    int firstBadLine;
    String firstBadText;

    private GeneratedList(Path file, int count) {
        this.file = file;
        this.count = count;
    }

    /** The i-th listed name, mixed case. */
    static String name(int i) {
        return "h" + Integer.toString(i, 36) + (i % 3 == 0 ? "-Ads" : "") + ".d" + (i % 5000) + ".example"
                + (i % 7) + ".com";
    }

    /** A name in the same zones that is not listed. */
    static String unlisted(int i) {
        return "u" + Integer.toString(i, 36) + ".d" + (i % 5000) + ".example" + (i % 7) + ".com";
    }

    /** The (unlisted) parent of the i-th name. */
    static String parent(int i) {
        return "d" + (i % 5000) + ".example" + (i % 7) + ".com";
    }

    static GeneratedList write(Path file, ListFormat format, int count) throws IOException {
        GeneratedList g = new GeneratedList(file, count);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            int line = 0;
            switch (format) {
                case HOSTS -> {
                    w.write("# generated hosts file\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n\n");
                    line += 4;
                }
                case ADBLOCK -> {
                    w.write("[Adblock Plus 2.0]\n! Title: generated\n");
                    line += 2;
                }
                case DOMAINS -> {
                    w.write("# generated domain list\n");
                    line += 1;
                }
                default -> throw new IllegalArgumentException();
            }
            for (int i = 0; i < count; i++) {
                if (i % 10_000 == 5_000) {
                    String bad = switch (format) {
                        case HOSTS -> "0.0.0.0 bad.." + i + ".com";
                        case DOMAINS -> "bad.." + i + ".com";
                        case ADBLOCK -> "||bad.." + i + ".com^";
                    };
                    w.write(bad);
                    w.write('\n');
                    line++;
                    g.badLines++;
                    if (g.firstBadLine == 0) {
                        g.firstBadLine = line;
                        g.firstBadText = bad;
                    }
                }
                if (format == ListFormat.ADBLOCK && i % 20_000 == 10_000) {
                    w.write("||" + name(i) + "/banner.gif^\n");
                    line++;
                    g.unsupportedLines++;
                }
                if (i % 1000 == 999) {
                    w.write(format == ListFormat.ADBLOCK ? "! section\n" : "# section\n");
                    line++;
                }
                switch (format) {
                    case HOSTS -> {
                        if (i % 3 == 0 && i + 1 < count && (i + 1) % 10_000 != 5_000) {
                            w.write("0.0.0.0 " + name(i) + " " + name(i + 1) + "  # two\n");
                            i++;
                        } else {
                            w.write((i % 2 == 0 ? "0.0.0.0 " : "127.0.0.1\t") + name(i) + "\n");
                        }
                    }
                    case DOMAINS -> w.write(name(i) + "\n");
                    case ADBLOCK -> w.write("||" + name(i) + (i % 4 == 0 ? "^$important\n" : "^\n"));
                    default -> throw new IllegalArgumentException();
                }
                line++;
            }
        }
        return g;
    }
}
