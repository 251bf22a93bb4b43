package dev.dotgate.dnssec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/** Trust-anchor files: DS and DNSKEY records in zone-file form, a bad file named with what is wrong. */
class TrustAnchorsTest {
    @TempDir
    Path dir;

    @Test
    void dsAndDnskeyRecordsAreReadAndOtherTypesIgnored() throws Exception {
        Path f = Files.writeString(dir.resolve("anchors.key"), """
                ; a private root
                . 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
                example. 3600 IN DNSKEY 257 3 13 a1Bkxpr+pt+U4ygCVcvdYTiKoUG2p6Nxyi5/e6Zc2tU9/mcqsj2cspYS eLzLxYQe67R9vNF7JjrmSqL0cMkk2Q==
                example. 3600 IN A 192.0.2.1
                """);
        TrustAnchors a = TrustAnchors.of(List.of(f));
        assertThat(a.records()).extracting(r -> r.getType()).containsExactly(Type.DS, Type.DNSKEY);
        assertThat(a.source()).contains(f.toString());
    }

    @Test
    void aFileThatIsNotZoneFileFormOrHoldsNoAnchorIsNamed() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.key"), ". IN DS not a digest\n");
        assertThatThrownBy(() -> TrustAnchors.of(List.of(garbage))).hasMessageStartingWith("dnssec.trust_anchors: "
                + garbage + " is not in zone-file form");
        Path none = Files.writeString(dir.resolve("none.key"), "example. 300 IN A 192.0.2.1\n");
        assertThatThrownBy(() -> TrustAnchors.of(List.of(none))).hasMessage("dnssec.trust_anchors: " + none
                + " holds no DS or DNSKEY record");
    }
}
