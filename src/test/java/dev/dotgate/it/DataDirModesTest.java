package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A running gateway keeps its data directory owner-only: one that already exists open to others (as an earlier
 * dotgate left it, with the umask's 0755, or as a package made it) is narrowed to 0700 (with a warning when it holds
 * keys already), key files open to others are narrowed to 0600, and the keys it makes are 0600.
 */
class DataDirModesTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void anOpenDataDirectoryAndKeyFilesAreNarrowed() throws Exception {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logged.start();
        root.addAppender(logged);
        try {
            Path dir = tmp.resolve("gw");
            Path data = Files.createDirectories(dir.resolve("data"));
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (GatewayFixture gw = servers.gateway(b -> b.dir(dir).toml("").timeout("3s"))) {
                assertThat(mode(data)).isEqualTo("rwx------");
                assertThat(mode(data.resolve("ca-key.pem"))).isEqualTo("rw-------");
                assertThat(mode(data.resolve("server-key.pem"))).isEqualTo("rw-------");
                // Empty still, so nothing was exposed: an info line.
                assertThat(logged.list).anyMatch(e -> e.getLevel() == Level.INFO
                        && e.getFormattedMessage().contains("data directory " + data)
                        && e.getFormattedMessage().contains("rwxr-xr-x")
                        && e.getFormattedMessage().contains("owner-only"));
            }

            // Someone loosened them since (a backup restored with the umask, a careless chmod): narrowed at start,
            // the same keys kept.
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-x---"));
            Files.setPosixFilePermissions(data.resolve("ca-key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(data.resolve("server-key.pem"), PosixFilePermissions.fromString("rw-rw----"));
            String caKey = Files.readString(data.resolve("ca-key.pem"));
            String serverKey = Files.readString(data.resolve("server-key.pem"));
            logged.list.clear();
            try (GatewayFixture gw = servers.gateway(b -> b.dir(dir).toml("").timeout("3s"))) {
                assertThat(mode(data)).isEqualTo("rwx------");
                assertThat(mode(data.resolve("ca-key.pem"))).isEqualTo("rw-------");
                assertThat(mode(data.resolve("server-key.pem"))).isEqualTo("rw-------");
                assertThat(Files.readString(data.resolve("ca-key.pem"))).isEqualTo(caKey);
                assertThat(Files.readString(data.resolve("server-key.pem"))).isEqualTo(serverKey);
                assertThat(logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
                        .map(ILoggingEvent::getFormattedMessage))
                        .anyMatch(m -> m.contains(data.resolve("ca-key.pem") + " was open") && m.contains("rw-r--r--"))
                        .anyMatch(m -> m.contains(data.resolve("server-key.pem") + " was open"))
                        .anyMatch(m -> m.contains("data directory " + data) && m.contains("rwxr-x---"));
                Proc.Result kdig = Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dotPort()),
                        "+tls-ca=" + data.resolve("ca.pem"), "+tls-hostname=dotgate.test", "a.test", "A");
                assertThat(kdig.out()).as(kdig.out()).contains("status: NOERROR");
            }
        } finally {
            root.detachAppender(logged);
        }
    }
}
