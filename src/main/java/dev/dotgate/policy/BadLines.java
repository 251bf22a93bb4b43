package dev.dotgate.policy;

import java.util.ArrayList;
import java.util.List;

/** Counts rejected lines of a list and keeps the first few, with their line numbers, for the log. */
final class BadLines {
    static final int KEEP = 5;
    private static final int MAX_TEXT = 80;

    private final List<ListParser.BadLine> first = new ArrayList<>();
    private int count;

    void add(int lineNumber, CharSequence line) {
        count++;
        if (first.size() < KEEP) {
            String text = line.toString().strip();
            if (text.length() > MAX_TEXT) {
                text = text.substring(0, MAX_TEXT) + "...";
            }
            first.add(new ListParser.BadLine(lineNumber, text));
        }
    }

    int count() {
        return count;
    }

    List<ListParser.BadLine> first() {
        return List.copyOf(first);
    }

    /** {@code "3 bad lines (first: line 17 'xyz')"}, or {@code "0 bad lines"}. */
    static String describe(int count, List<ListParser.BadLine> first) {
        String s = count + (count == 1 ? " bad line" : " bad lines");
        if (!first.isEmpty()) {
            s += " (first: line " + first.get(0).line() + " '" + first.get(0).text() + "')";
        }
        return s;
    }
}
