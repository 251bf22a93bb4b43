package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dotgate.runtime.Reload;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A reload that changes settings which take a restart names them by their config keys, compared with what runs:
 * putting the file back as it was does not warn again.
 */
class ReloadRestartKeysTest {
    @TempDir
    Path tmp;

    @Test
    void restartOnlyChangesAreReportedAsKeysAgainstWhatRuns() throws Exception {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger log = (Logger) LoggerFactory.getLogger(Reload.class);
        logged.start();
        log.addAppender(logged);
        Path dir = tmp.resolve("gw");
        String original = "[listen]\nidle_timeout = \"30s\"\n";
        try (GatewayFixture gw = GatewayFixture.fromToml(dir, original, null, "3s", c -> c, "udp://127.0.0.1:9")) {
            gw.gateway.reload(gw.reconfigured(dir, "[listen]\nidle_timeout = \"5s\"\n[limits]\nrrl_rate = 0\n"
                    + "[cache]\nmax_entries = 10\n"));
            assertThat(warnings(logged)).containsExactly("reload: listen.idle_timeout, limits.rrl_rate changed; "
                    + "they take a restart to apply (running with the values started with)");
            logged.list.clear();
            gw.gateway.reload(gw.reconfigured(dir, original));
            assertThat(warnings(logged)).as("back to what runs: nothing to restart for").isEmpty();
        } finally {
            log.detachAppender(logged);
        }
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> logged) {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("reload:")).toList();
    }
}
