package dev.dotgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact and wildcard allowlist entries, read from a real file and matched on real queries. */
class AllowlistTest {
    @TempDir
    Path dir;

    private static boolean allowsWire(Allowlist allowlist, String name) throws Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(Queries.query(name));
        try {
            return allowlist.allows(buf, buf.readerIndex() + 12);
        } finally {
            buf.release();
        }
    }

    @Test
    void exactAndWildcardEntries() throws Exception {
        Path file = Files.writeString(dir.resolve("allow.txt"), """
                # names we always resolve
                example.com
                *.cdn.example
                both.example        # exact...
                *.both.example      # ...and below
                Mixed.Case.Example.

                *.
                *.*.example
                exa mple.com
                http://example.org/
                """);
        Allowlist allowlist = Allowlist.load(file);
        assertThat(allowlist.size()).isEqualTo(4);
        assertThat(allowlist.badLines()).isEqualTo(4);
        assertThat(allowlist.firstBad().get(0)).isEqualTo(new ListParser.BadLine(8, "*."));

        assertThat(allowsWire(allowlist, "example.com")).isTrue();
        assertThat(allowsWire(allowlist, "EXAMPLE.com")).isTrue();
        assertThat(allowsWire(allowlist, "www.example.com")).isFalse();
        assertThat(allowsWire(allowlist, "com")).isFalse();

        assertThat(allowsWire(allowlist, "cdn.example")).isFalse();
        assertThat(allowsWire(allowlist, "a.cdn.example")).isTrue();
        assertThat(allowsWire(allowlist, "x.y.CDN.example")).isTrue();
        assertThat(allowsWire(allowlist, "xcdn.example")).isFalse();

        assertThat(allowlist.allows("both.example")).isTrue();
        assertThat(allowlist.allows("a.both.example")).isTrue();
        assertThat(allowlist.allows("mixed.case.example")).isTrue();
        assertThat(allowlist.allows("other.example")).isFalse();
    }

    @Test
    void missingFileIsAOneLineError() {
        Path missing = dir.resolve("missing.txt");
        assertThatThrownBy(() -> Allowlist.load(missing)).isInstanceOf(ListException.class)
                .hasMessage("allowlist: no such file " + missing.toAbsolutePath());
        assertThat(Allowlist.empty().allows("example.com")).isFalse();
    }
}
