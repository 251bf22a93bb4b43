package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validators file next to a cached list, read back into conditional request headers. */
class CachedValidatorsTest {
    @TempDir
    Path dir;

    @Test
    void readsEtagLastModifiedAndOrigin() throws Exception {
        Path cached = Files.writeString(dir.resolve("list-ab.txt"), "example.com\n");
        assertThat(CachedValidators.file(cached)).isEqualTo(dir.resolve("list-ab.validators"));
        Files.writeString(CachedValidators.file(cached), "etag: \"v1\"\nlast-modified: Tue, 01 Dec 2026 10:00:00 GMT\n"
                + "from: https://lists.example/final\n", StandardCharsets.UTF_8);
        CachedValidators v = CachedValidators.of(cached);
        assertThat(v.headers()).containsExactly("If-None-Match", "\"v1\"",
                "If-Modified-Since", "Tue, 01 Dec 2026 10:00:00 GMT");
        assertThat(v.from()).isEqualTo("https://lists.example/final");
        assertThat(v.isEmpty()).isFalse();
    }

    @Test
    void noneWithoutCopyOrWithOnlyUnsendableValues() throws Exception {
        Path cached = dir.resolve("list-cd.txt");
        Files.writeString(CachedValidators.file(cached), "etag: \"v1\"\n", StandardCharsets.UTF_8);
        assertThat(CachedValidators.of(cached)).isSameAs(CachedValidators.NONE); // the copy itself is gone
        Files.writeString(cached, "example.com\n");
        Files.writeString(CachedValidators.file(cached), "etag: \"v\u00e9\"\netag:\nfrom: x\n", StandardCharsets.UTF_8);
        assertThat(CachedValidators.of(cached)).isSameAs(CachedValidators.NONE);
        assertThat(CachedValidators.of(cached).headers()).isEqualTo(List.of());
    }
}
