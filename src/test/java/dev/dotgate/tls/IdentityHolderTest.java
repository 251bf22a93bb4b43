package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A new identity becomes current only when every TLS listener could take it. */
class IdentityHolderTest {
    private static ServerIdentity identity(String name) throws Exception {
        TestPki.Issued ca = TestPki.root("holder CA " + name);
        TestPki.Issued leaf = TestPki.leaf(ca, name);
        return new ServerIdentity(List.of(leaf.cert(), ca.cert()), leaf.key(), null);
    }

    @Test
    void aListenerThatCannotBuildItsContextKeepsTheOldIdentityCurrent() throws Exception {
        ServerIdentity a = identity("a.test");
        ServerIdentity b = identity("b.test");
        IdentityHolder holder = new IdentityHolder(a);
        List<ServerIdentity> seen = new ArrayList<>();
        AtomicBoolean fail = new AtomicBoolean(true);
        holder.onChange(seen::add);
        holder.onChange(id -> {
            if (fail.get() && id == b) {
                throw new IllegalStateException("no context for this key");
            }
        });
        assertThat(holder.publish(b)).isFalse();
        assertThat(holder.current()).isSameAs(a); // so the reloader reports it and renewal tries again
        fail.set(false);
        assertThat(holder.publish(b)).isTrue();
        assertThat(holder.current()).isSameAs(b);
        assertThat(seen).containsExactly(a, b, b);
    }
}
