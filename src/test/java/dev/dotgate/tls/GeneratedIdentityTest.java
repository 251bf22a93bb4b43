package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated identity survives a restart: its keys are written in a form they can be read back from. */
class GeneratedIdentityTest {
    @TempDir
    Path dir;

    @Test
    void secondStartReadsTheSameCaAndLeaf() throws Exception {
        ServerIdentity first = ServerIdentity.generated(dir, "dotgate.test");
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        ServerIdentity second = ServerIdentity.generated(dir, "dotgate.test");
        assertThat(second.chain()).isEqualTo(first.chain()); // not reissued
        assertThat(signsFor(second)).isTrue();
    }

    @Test
    void readsSec1KeysWithoutCurveWrittenByEarlierVersions() throws Exception {
        ServerIdentity first = ServerIdentity.generated(dir, "dotgate.test");
        // What Bouncy Castle's PEM writer makes of a JDK EC key: SEC1 with neither curve nor public key.
        byte[] sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(first.key().getEncoded()).parsePrivateKey())
                .getEncoded();
        String legacy = "-----BEGIN EC PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(sec1)
                + "\n-----END EC PRIVATE KEY-----\n";
        Files.writeString(dir.resolve("server-key.pem"), legacy);
        ServerIdentity second = ServerIdentity.generated(dir, "dotgate.test");
        assertThat(second.chain()).isEqualTo(first.chain());
        assertThat(((ECPrivateKey) second.key()).getS()).isEqualTo(((ECPrivateKey) first.key()).getS());
        assertThat(signsFor(second)).isTrue();
    }

    private static boolean signsFor(ServerIdentity id) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(id.key());
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(id.chain().get(0).getPublicKey());
        v.update(new byte[] {1, 2, 3});
        return v.verify(sig);
    }
}
