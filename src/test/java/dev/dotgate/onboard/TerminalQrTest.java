package dev.dotgate.onboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.nayuki.qrcodegen.QrCode;
import org.junit.jupiter.api.Test;

class TerminalQrTest {
    private static final String URL = "http://192.168.1.23:43117/Q2hhbmdlTWVQbGVh/dotgate.mobileconfig";

    @Test
    void printsEveryModuleOfTheCodeWithAQuietZone() {
        String printed = TerminalQr.render(URL);
        PrintedQr.assertShows(printed, URL);
        boolean[][] dark = PrintedQr.modules(printed);
        int n = dark[0].length;
        for (int i = 0; i < n; i++) {
            for (int edge = 0; edge < TerminalQr.QUIET_ZONE; edge++) {
                assertThat(dark[edge][i]).isFalse();
                assertThat(dark[i][edge]).isFalse();
                assertThat(dark[n - 1 - edge][i]).isFalse();
                assertThat(dark[i][n - 1 - edge]).isFalse();
            }
        }
        // The top-left finder pattern: a dark 7x7 ring just inside the quiet zone.
        int q = TerminalQr.QUIET_ZONE;
        assertThat(dark[q][q]).isTrue();
        assertThat(dark[q + 1][q + 1]).isFalse();
        assertThat(dark[q + 3][q + 3]).isTrue();
    }

    @Test
    void aDifferentTextIsADifferentPicture() {
        String other = URL.replace("Q2hh", "Q2hi");
        assertThat(TerminalQr.render(other)).isNotEqualTo(TerminalQr.render(URL));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PrintedQr.assertShows(TerminalQr.render(other), URL))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void fitsATerminal() {
        QrCode qr = TerminalQr.encode(URL);
        assertThat(qr.size).isLessThanOrEqualTo(41); // version 6 at most for a URL this long
        assertThat(PrintedQr.lines(TerminalQr.render(URL))).hasSizeLessThanOrEqualTo(25);
    }
}
