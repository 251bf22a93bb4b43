package dev.dotgate.dnssec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The root's trust anchors kept current by RFC 5011 ("Automated Updates of DNS Security Trust Anchors"): started
 * from the built-in KSK-2017 and KSK-2024, each validated DNSKEY answer for the root is {@linkplain #observe
 * observed}: a new key-signing key is trusted once it has been seen for the 30-day hold-down, a key that signs its
 * own revocation is no longer trusted, a trusted key that is no longer published stays trusted (Missing) until it
 * is revoked. The state is written to a file in the data directory after every change, so a restart goes on where
 * it was; the keys are kept as SHA-256 DS records.
 *
 * <p>File format, one key per line: {@code STATE FIRST-SEEN LAST-CHANGE TAG ALGORITHM DIGEST-TYPE DIGEST}, with
 * STATE one of AddPend, Valid, Missing, Revoked and times in ISO-8601; lines starting with # are comments.
 *
 * <p>Not thread-safe: one refresher observes at a time ({@code runtime/AnchorRefreshing}).
 */
public final class ManagedAnchors {
    private static final Logger log = LoggerFactory.getLogger(ManagedAnchors.class);
    /** RFC 5011 2.4.1: a new key is trusted after it has been seen for this long. */
    public static final Duration ADD_HOLD_DOWN = Duration.ofDays(30);
    private static final int FLAG_SEP = 0x0001;
    private static final int FLAG_REVOKE = 0x0080;

    /** The states of RFC 5011 section 4 that a file keeps (Start and Removed keys are not kept). */
    public enum State { ADDPEND, VALID, MISSING, REVOKED }

    /** One key: its state, when it was first seen, when its state last changed, its DS. */
    public record Key(State state, Instant firstSeen, Instant lastChange, DSRecord ds) {
        boolean trusted() {
            return state == State.VALID || state == State.MISSING;
        }

        Key to(State next, Instant now) {
            return new Key(next, firstSeen, now, ds);
        }
    }

    private final Path file;
    private List<Key> keys;

    private ManagedAnchors(Path file, List<Key> keys) {
        this.file = file;
        this.keys = List.copyOf(keys);
    }

    /**
     * The anchors kept in {@code file}, or {@code seed}'s DS records (all Valid) when it does not exist yet, in
     * which case the file is written. A file that cannot be read is an error naming it.
     */
    public static ManagedAnchors load(Path file, TrustAnchors seed, Instant now) throws IOException {
        if (Files.exists(file)) {
            return new ManagedAnchors(file, read(file));
        }
        List<Key> keys = new ArrayList<>();
        for (Record r : seed.records()) {
            DSRecord ds = r instanceof DSRecord d ? d
                    : new DSRecord(r.getName(), r.getDClass(), r.getTTL(), DNSSEC.Digest.SHA256, (DNSKEYRecord) r);
            keys.add(new Key(State.VALID, now, now, ds));
        }
        ManagedAnchors m = new ManagedAnchors(file, keys);
        m.write();
        return m;
    }

    public List<Key> keys() {
        return keys;
    }

    /** The keys trusted now (Valid and Missing), as anchors. */
    public TrustAnchors anchors() {
        List<Record> trusted = new ArrayList<>();
        for (Key k : keys) {
            if (k.trusted()) {
                trusted.add(k.ds());
            }
        }
        return TrustAnchors.managed(trusted, file);
    }

    /**
     * Takes in a validated ({@code AD}) answer to {@code . DNSKEY} with its signatures, seen at {@code now}, and
     * moves each key along RFC 5011's states. Returns whether the trusted keys changed (the file is written on
     * any change).
     */
    public boolean observe(Message answer, Instant now) throws IOException {
        RRset dnskeys = null;
        for (RRset set : answer.getSectionRRsets(Section.ANSWER)) {
            if (set.getType() == Type.DNSKEY && set.getName().equals(Name.root)) {
                dnskeys = set;
            }
        }
        if (dnskeys == null) {
            return false;
        }
        List<Key> next = new ArrayList<>(keys);
        boolean[] seen = new boolean[next.size()];
        for (Record r : dnskeys.rrs()) {
            DNSKEYRecord key = (DNSKEYRecord) r;
            if ((key.getFlags() & FLAG_SEP) == 0) {
                continue;
            }
            boolean revoked = (key.getFlags() & FLAG_REVOKE) != 0;
            DNSKEYRecord unrevoked = revoked ? new DNSKEYRecord(key.getName(), key.getDClass(), key.getTTL(),
                    key.getFlags() & ~FLAG_REVOKE, key.getProtocol(), key.getAlgorithm(), key.getKey()) : key;
            int i = indexOf(next, unrevoked);
            if (revoked) {
                if (i >= 0 && next.get(i).state() != State.REVOKED && signsItself(dnskeys, key, now)) {
                    log.warn("root trust anchor {} revoked itself (RFC 5011): no longer trusted",
                            unrevoked.getFootprint());
                    next.set(i, next.get(i).to(State.REVOKED, now));
                }
                if (i >= 0) {
                    seen[i] = true;
                }
                continue;
            }
            if (i < 0) {
                DSRecord ds = new DSRecord(Name.root, DClass.IN, key.getTTL(), DNSSEC.Digest.SHA256, key);
                log.info("new root key-signing key {} published: trusted after {} days of hold-down (RFC 5011)",
                        key.getFootprint(), ADD_HOLD_DOWN.toDays());
                next.add(new Key(State.ADDPEND, now, now, ds));
                seen = Arrays.copyOf(seen, next.size());
                seen[next.size() - 1] = true;
                continue;
            }
            seen[i] = true;
            Key k = next.get(i);
            if (k.state() == State.ADDPEND && !now.isBefore(k.firstSeen().plus(ADD_HOLD_DOWN))) {
                log.info("root key-signing key {} trusted after its hold-down (RFC 5011)", key.getFootprint());
                next.set(i, k.to(State.VALID, now));
            } else if (k.state() == State.MISSING) {
                next.set(i, k.to(State.VALID, now));
            }
        }
        List<Key> kept = new ArrayList<>();
        for (int i = 0; i < next.size(); i++) {
            Key k = next.get(i);
            if (seen[i]) {
                kept.add(k);
            } else if (k.state() == State.VALID) {
                kept.add(k.to(State.MISSING, now)); // still trusted until revoked (RFC 5011 4)
            } else if (k.state() != State.ADDPEND) {
                kept.add(k); // Missing stays, Revoked is remembered; an AddPend key that went away is forgotten
            }
        }
        boolean trustedChanged = !trusted(kept).equals(trusted(keys));
        if (!kept.equals(keys)) {
            keys = List.copyOf(kept);
            write();
        }
        return trustedChanged;
    }

    private static List<String> trusted(List<Key> keys) {
        List<String> out = new ArrayList<>();
        for (Key k : keys) {
            if (k.trusted()) {
                out.add(k.ds().rdataToString());
            }
        }
        return out;
    }

    /** The index of the key whose DS matches {@code key}, or -1. */
    private static int indexOf(List<Key> keys, DNSKEYRecord key) {
        for (int i = 0; i < keys.size(); i++) {
            DSRecord ds = keys.get(i).ds();
            if (ds.getFootprint() == key.getFootprint() && ds.getAlgorithm() == key.getAlgorithm()
                    && Arrays.equals(ds.getDigest(), new DSRecord(Name.root, DClass.IN, 0, ds.getDigestID(), key)
                            .getDigest())) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code key} (with its REVOKE bit) has signed the DNSKEY set, as RFC 5011 2.1 asks of a revocation. */
    private static boolean signsItself(RRset dnskeys, DNSKEYRecord key, Instant now) {
        for (RRSIGRecord sig : dnskeys.sigs()) {
            if (sig.getFootprint() == key.getFootprint() && sig.getAlgorithm() == key.getAlgorithm()) {
                try {
                    DNSSEC.verify(dnskeys, sig, key, now);
                    return true;
                } catch (DNSSEC.DNSSECException e) {
                    // not this signature
                }
            }
        }
        return false;
    }

    private static List<Key> read(Path file) throws IOException {
        List<Key> keys = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+", 4);
            try {
                State s = State.valueOf(f[0].toUpperCase(java.util.Locale.ROOT));
                Record ds = Record.fromString(Name.root, Type.DS, DClass.IN, 172800, f[3], Name.root);
                keys.add(new Key(s, Instant.parse(f[1]), Instant.parse(f[2]), (DSRecord) ds));
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException | DateTimeParseException
                    | IOException e) {
                throw new IOException(file + " line " + n + " is not STATE FIRST-SEEN LAST-CHANGE TAG ALGORITHM "
                        + "DIGEST-TYPE DIGEST: " + line, e);
            }
        }
        return keys;
    }

    private void write() throws IOException {
        StringBuilder b = new StringBuilder("# dotgate's root trust anchors, kept current by RFC 5011; "
                + "STATE FIRST-SEEN LAST-CHANGE DS\n");
        for (Key k : keys) {
            String state = switch (k.state()) {
                case ADDPEND -> "AddPend";
                case VALID -> "Valid";
                case MISSING -> "Missing";
                case REVOKED -> "Revoked";
            };
            b.append(state).append(' ').append(k.firstSeen()).append(' ').append(k.lastChange()).append(' ')
                    .append(k.ds().rdataToString()).append('\n');
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, b, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
