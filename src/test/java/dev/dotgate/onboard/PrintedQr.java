package dev.dotgate.onboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.nayuki.qrcodegen.QrCode;
import java.util.ArrayList;
import java.util.List;

/** Reads a QR code back from what {@link TerminalQr} printed: the modules, quiet zone included. */
public final class PrintedQr {
    private PrintedQr() {
    }

    /** The printed QR lines found in {@code output} (the lines that start with the colour sequence). */
    public static List<String> lines(String output) {
        List<String> out = new ArrayList<>();
        for (String line : output.split("\n", -1)) {
            if (line.startsWith(TerminalQr.START)) {
                assertThat(line).endsWith(TerminalQr.RESET);
                out.add(line.substring(TerminalQr.START.length(), line.length() - TerminalQr.RESET.length()));
            }
        }
        return out;
    }

    /** dark[y][x] for every printed module row (two per line; the last may be padding below the code). */
    public static boolean[][] modules(String output) {
        List<String> lines = lines(output);
        assertThat(lines).isNotEmpty();
        int width = lines.get(0).length();
        boolean[][] dark = new boolean[lines.size() * 2][width];
        for (int l = 0; l < lines.size(); l++) {
            String line = lines.get(l);
            assertThat(line).as("line %d width", l).hasSize(width);
            for (int x = 0; x < width; x++) {
                char c = line.charAt(x);
                switch (c) {
                    case TerminalQr.BOTH_LIGHT -> { }
                    case TerminalQr.TOP_LIGHT -> dark[2 * l + 1][x] = true;
                    case TerminalQr.BOTTOM_LIGHT -> dark[2 * l][x] = true;
                    case TerminalQr.BOTH_DARK -> {
                        dark[2 * l][x] = true;
                        dark[2 * l + 1][x] = true;
                    }
                    default -> throw new AssertionError("unexpected character U+" + Integer.toHexString(c)
                            + " in QR line " + l);
                }
            }
        }
        return dark;
    }

    /** Asserts that {@code output} shows exactly qrcodegen's code for {@code text}, with the quiet zone. */
    public static void assertShows(String output, String text) {
        QrCode qr = QrCode.encodeText(text, QrCode.Ecc.LOW);
        int q = TerminalQr.QUIET_ZONE;
        int n = qr.size + 2 * q;
        boolean[][] dark = modules(output);
        assertThat(dark[0].length).as("modules per row: code plus quiet zone").isEqualTo(n);
        assertThat(lines(output)).as("text lines: two module rows each").hasSize((n + 1) / 2);
        for (int y = 0; y < dark.length; y++) {
            for (int x = 0; x < n; x++) {
                boolean want = y < n && qr.getModule(x - q, y - q);
                assertThat(dark[y][x]).as("module (%d,%d)", x - q, y - q).isEqualTo(want);
            }
        }
    }
}
