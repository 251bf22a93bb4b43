package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.tls.Pem;
import dev.dotgate.tls.ServerIdentity;
import dev.dotgate.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code setup-phone} says what trusting the CA means now that it is name-constrained, and does not hand out an
 * unconstrained CA left by an earlier dotgate (the gateway replaces that one at start).
 */
class SetupPhoneCaScopeTest {
    @TempDir
    Path tmp;

    @Test
    void saysWhatTheCaMayVouchFor() throws Exception {
        Path data = tmp.resolve("data");
        ServerIdentity.generated(data, "dotgate.test");
        CliRun r = CliRun.of("setup-phone", "--data-dir", data.toString(), "--server-name", "dotgate.test",
                "--listen", "127.0.0.1:0", "--for", "1ms");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("name-constrained to the gateway's names and private addresses")
                .contains("its X.509 name constraints limit it to names dotgate.test, localhost")
                .contains("192.168.0.0/16").contains("though no other site")
                .doesNotContain("for every site");
        // and the device shows it when installing the CA payload
        assertThat(Files.readString(data.resolve(dev.dotgate.onboard.MobileConfig.FILE_NAME)))
                .contains("its name constraints keep it to the gateway's names and private network addresses");
    }

    @Test
    void refusesAnUnconstrainedCaFromAnEarlierVersion() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        TestPki.Issued old = TestPki.root("dotgate local CA dotgate.test");
        Pem.write(data.resolve("ca-key.pem"), Pem.toPem(old.key()), true);
        Pem.write(data.resolve("ca.pem"), Pem.toPem(old.cert()), false);
        String before = Files.readString(data.resolve("ca.pem"));
        CliRun r = CliRun.of("setup-phone", "--data-dir", data.toString(), "--server-name", "dotgate.test",
                "--listen", "127.0.0.1:0", "--for", "1ms");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(data.resolve("ca.pem") + " is a local CA made by an earlier dotgate, without "
                + "name constraints").contains("restart `dotgate run`").doesNotContain("Exception");
        assertThat(r.out()).doesNotContain("Serving it");
        assertThat(Files.readString(data.resolve("ca.pem"))).isEqualTo(before);
        assertThat(data.resolve(dev.dotgate.onboard.MobileConfig.FILE_NAME)).doesNotExist();
    }
}
