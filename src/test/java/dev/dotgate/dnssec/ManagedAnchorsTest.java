package dev.dotgate.dnssec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * RFC 5011 on real keys: P-256 key pairs made here, DNSKEY sets signed with dnsjava's signer, observed at the
 * times the hold-down and revocation rules turn on.
 */
class ManagedAnchorsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path dir;

    private record Ksk(KeyPair pair, DNSKEYRecord key) {
        Ksk revoked() {
            return new Ksk(pair, new DNSKEYRecord(Name.root, DClass.IN, 172800, key.getFlags() | 0x0080,
                    DNSKEYRecord.Protocol.DNSSEC, DNSSEC.Algorithm.ECDSAP256SHA256, key.getKey()));
        }
    }

    private static Ksk ksk() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        return new Ksk(pair, new DNSKEYRecord(Name.root, DClass.IN, 172800, 257, DNSKEYRecord.Protocol.DNSSEC,
                DNSSEC.Algorithm.ECDSAP256SHA256, pair.getPublic()));
    }

    /** The answer to {@code . DNSKEY} publishing {@code published}, signed by {@code signers}, at {@code now}. */
    private static Message answer(List<Ksk> published, List<Ksk> signers, Instant now) throws Exception {
        RRset set = new RRset();
        for (Ksk k : published) {
            set.addRR(k.key());
        }
        Message m = new Message();
        for (Record r : set.rrs()) {
            m.addRecord(r, Section.ANSWER);
        }
        for (Ksk s : signers) {
            RRSIGRecord sig = DNSSEC.sign(set, s.key(), s.pair().getPrivate(), now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofDays(7)));
            m.addRecord(sig, Section.ANSWER);
        }
        return m;
    }

    private static TrustAnchors seed(Ksk k) throws Exception {
        return TrustAnchors.of(List.of(Files.writeString(Files.createTempFile("seed", ".key"),
                k.key().toString() + "\n")));
    }

    private static List<ManagedAnchors.State> states(ManagedAnchors m) {
        return m.keys().stream().map(ManagedAnchors.Key::state).toList();
    }

    @Test
    void aNewKeyIsTrustedAfterItsHoldDownAndTheStateSurvivesARestart() throws Exception {
        Ksk old = ksk();
        Ksk fresh = ksk();
        Path file = dir.resolve("dnssec/root-anchors");
        ManagedAnchors m = ManagedAnchors.load(file, seed(old), T0);
        assertThat(file).exists();
        assertThat(states(m)).containsExactly(ManagedAnchors.State.VALID);

        assertThat(m.observe(answer(List.of(old, fresh), List.of(old), T0), T0)).isFalse();
        assertThat(states(m)).containsExactly(ManagedAnchors.State.VALID, ManagedAnchors.State.ADDPEND);
        assertThat(m.anchors().records()).hasSize(1);

        Instant almost = T0.plus(ManagedAnchors.ADD_HOLD_DOWN).minusSeconds(60);
        assertThat(m.observe(answer(List.of(old, fresh), List.of(old), almost), almost)).isFalse();
        ManagedAnchors restarted = ManagedAnchors.load(file, seed(old), almost);
        assertThat(states(restarted)).containsExactly(ManagedAnchors.State.VALID, ManagedAnchors.State.ADDPEND);

        Instant after = T0.plus(ManagedAnchors.ADD_HOLD_DOWN);
        assertThat(restarted.observe(answer(List.of(old, fresh), List.of(old), after), after)).isTrue();
        assertThat(states(restarted)).containsExactly(ManagedAnchors.State.VALID, ManagedAnchors.State.VALID);
        assertThat(restarted.anchors().records()).extracting(r -> ((org.xbill.DNS.DSRecord) r).getFootprint())
                .containsExactlyInAnyOrder(old.key().getFootprint(), fresh.key().getFootprint());
    }

    @Test
    void aKeyThatSignsItsOwnRevocationIsNoLongerTrusted() throws Exception {
        Ksk old = ksk();
        Ksk fresh = ksk();
        ManagedAnchors m = ManagedAnchors.load(dir.resolve("anchors"), seed(old), T0);
        Instant later = T0.plus(ManagedAnchors.ADD_HOLD_DOWN);
        m.observe(answer(List.of(old, fresh), List.of(old), T0), T0);
        m.observe(answer(List.of(old, fresh), List.of(old), later), later);

        Instant t = later.plus(Duration.ofDays(1));
        // A revoked key without its own signature over the set is no revocation (RFC 5011 2.1).
        assertThat(m.observe(answer(List.of(old.revoked(), fresh), List.of(fresh), t), t)).isFalse();
        assertThat(states(m)).containsExactly(ManagedAnchors.State.VALID, ManagedAnchors.State.VALID);

        assertThat(m.observe(answer(List.of(old.revoked(), fresh), List.of(old.revoked(), fresh), t), t)).isTrue();
        assertThat(states(m)).containsExactly(ManagedAnchors.State.REVOKED, ManagedAnchors.State.VALID);
        assertThat(m.anchors().records()).extracting(r -> ((org.xbill.DNS.DSRecord) r).getFootprint())
                .containsExactly(fresh.key().getFootprint());
    }

    @Test
    void aTrustedKeyThatGoesAwayStaysTrustedWhileAPendingOneIsForgotten() throws Exception {
        Ksk old = ksk();
        Ksk fresh = ksk();
        Ksk other = ksk();
        ManagedAnchors m = ManagedAnchors.load(dir.resolve("anchors"), seed(old), T0);
        m.observe(answer(List.of(old, fresh), List.of(old), T0), T0);
        Instant t = T0.plus(Duration.ofDays(2));
        assertThat(m.observe(answer(List.of(other), List.of(other), t), t)).isFalse();
        assertThat(states(m)).containsExactly(ManagedAnchors.State.MISSING, ManagedAnchors.State.ADDPEND);
        assertThat(m.anchors().records()).extracting(r -> ((org.xbill.DNS.DSRecord) r).getFootprint())
                .containsExactly(old.key().getFootprint());
        assertThat(m.keys()).extracting(k -> k.ds().getFootprint()).doesNotContain(fresh.key().getFootprint());
    }

    @Test
    void aDamagedFileIsAnErrorNamingTheLine() throws Exception {
        Path file = Files.writeString(dir.resolve("anchors"), "# comment\nValid yesterday\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ManagedAnchors.load(file, TrustAnchors.builtIn(),
                T0)).hasMessageContaining("line 2").hasMessageContaining(file.toString());
    }

    @Test
    void theBuiltInAnchorsAreTheRootsKsk2017AndKsk2024() {
        assertThat(TrustAnchors.builtIn().records()).extracting(r -> ((org.xbill.DNS.DSRecord) r).getFootprint())
                .containsExactlyInAnyOrder(20326, 38696);
        assertThat(TrustAnchors.builtIn().records()).allMatch(r -> r.getName().equals(Name.root)
                && r.getType() == Type.DS);
    }
}
