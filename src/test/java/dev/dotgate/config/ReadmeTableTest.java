package dev.dotgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration reference and the declared settings list the same keys, in the same order, with the
 * same flags and defaults. On a mismatch the failure shows the table the declarations give, to paste in.
 */
class ReadmeTableTest {
    /** key to "flag | default" as the table's cells have them. */
    private static Map<String, String> declared() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Settings.Entry e : Settings.all()) {
            out.put(e.key(), flagCell(e) + " | " + e.shownDefault());
        }
        return out;
    }

    private static String flagCell(Settings.Entry e) {
        if (e.flag() == null) {
            return "";
        }
        String repeat = e.type() == List.class ? " (repeatable)" : "";
        return "`" + e.flag() + "`" + repeat;
    }

    /** The table the declarations give. */
    static String table() {
        StringBuilder sb = new StringBuilder("| key | flag | default | meaning |\n|---|---|---|---|\n");
        for (Settings.Entry e : Settings.all()) {
            sb.append("| `").append(e.key()).append("` | ").append(flagCell(e)).append(" | ")
                    .append(e.shownDefault()).append(" | ").append(e.setting().doc()).append(" |\n");
        }
        return sb.toString();
    }

    private static Map<String, String> documented() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("## Configuration reference");
        int end = readme.indexOf("\n## ", start + 1);
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : readme.substring(start, end).split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            // | `key` | flag | default | meaning |  (a cell may hold an escaped \|)
            String[] cells = line.replace("\\|", "\u0000").split(" \\| ", -1);
            String key = cells[0].substring(3, cells[0].length() - 1);
            out.put(key, (cells[1] + " | " + cells[2]).replace("\u0000", "\\|"));
        }
        return out;
    }

    @Test
    void readmeListsEveryDeclaredKeyWithItsFlagAndDefault() throws Exception {
        Map<String, String> documented = documented();
        assertThat(documented).as("the README's configuration table; the declarations give:\n" + table())
                .containsExactlyEntriesOf(declared());
    }

    @Test
    void declaredKeysAreTheOnesTheLoaderKnows() {
        assertThat(declared()).containsKeys("listen.plain", "policy.lists_start", "acl.dot.deny",
                "proxy_protocol.trusted", "forward", "forward[].zone", "forward[].servers", "limits.rrl_slip");
        assertThat(declared()).doesNotContainKeys("cache.stale_ttl", "cache.prefetch_threshold");
        assertThat(declared().get("listen.plain")).isEqualTo("`--listen` (repeatable) | `[\"127.0.0.1:53\"]`");
        assertThat(declared().get("cache.enabled")).isEqualTo("`--no-cache` | `true`");
    }
}
