package dev.dotgate.onboard;

import io.nayuki.qrcodegen.QrCode;

/**
 * Draws a QR code in a terminal with Unicode half blocks, two module rows per text line, with a 4-module quiet
 * zone. The colours are explicit (white ink on a black background, where ink marks light modules), so the code
 * reads dark-on-light whatever the terminal's own colours are, as {@code qrencode -t ANSIUTF8} does.
 */
public final class TerminalQr {
    public static final int QUIET_ZONE = 4;
    /** Black background, bright white foreground; reset at each line end so nothing bleeds past the code. */
    static final String START = "\u001b[40;97m";
    static final String RESET = "\u001b[0m";
    static final char BOTH_LIGHT = '█';
    static final char TOP_LIGHT = '▀';
    static final char BOTTOM_LIGHT = '▄';
    static final char BOTH_DARK = ' ';

    private TerminalQr() {
    }

    /** The QR code (error correction level L, raised when it fits in the same size) for {@code text}. */
    public static QrCode encode(String text) {
        return QrCode.encodeText(text, QrCode.Ecc.LOW);
    }

    /** {@code text} as a QR code drawn for a terminal, lines ending in '\n'. */
    public static String render(String text) {
        return render(encode(text));
    }

    /** {@code qr} drawn for a terminal, lines ending in '\n'. */
    public static String render(QrCode qr) {
        int n = qr.size + 2 * QUIET_ZONE;
        StringBuilder sb = new StringBuilder((n + 12) * (n / 2 + 1));
        for (int y = 0; y < n; y += 2) {
            sb.append(START);
            for (int x = 0; x < n; x++) {
                boolean topLight = !dark(qr, x, y);
                boolean bottomLight = !dark(qr, x, y + 1);
                sb.append(topLight ? (bottomLight ? BOTH_LIGHT : TOP_LIGHT) : (bottomLight ? BOTTOM_LIGHT : BOTH_DARK));
            }
            sb.append(RESET).append('\n');
        }
        return sb.toString();
    }

    /** Whether the module at (x, y) of the code with its quiet zone is dark; outside the code it is light. */
    private static boolean dark(QrCode qr, int x, int y) {
        return qr.getModule(x - QUIET_ZONE, y - QUIET_ZONE);
    }
}
