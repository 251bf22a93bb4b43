package dev.dotgate.dnssec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * The DS and DNSKEY records validation starts from: the built-in root anchors (KSK-2017, tag 20326, and KSK-2024,
 * tag 38696, as IANA publishes them), or the files of {@code dnssec.trust_anchors}. Each file is read whole and
 * checked at load: a line that is not a record, or a file without one DS or DNSKEY, is an error naming the file.
 */
public final class TrustAnchors {
    /** The built-in anchors (a resource beside this class). */
    static final String BUILT_IN = "root-anchors.ds";

    private final List<Record> records;
    private final String source;

    private TrustAnchors(List<Record> records, String source) {
        this.records = List.copyOf(records);
        this.source = source;
    }

    /** The built-in root anchors. */
    public static TrustAnchors builtIn() {
        try (InputStream in = TrustAnchors.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("the built-in trust anchors are missing from the jar");
            }
            return new TrustAnchors(parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII), BUILT_IN),
                    "built-in root KSK-2017 and KSK-2024");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in trust anchors: " + e.getMessage(), e);
        }
    }

    /**
     * The anchors in {@code files} (zone-file form; names relative to the root). Throws with a message naming the
     * setting, the file and what is wrong.
     */
    public static TrustAnchors of(List<Path> files) throws IOException {
        List<Record> all = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IOException("dnssec.trust_anchors: cannot read " + f + ": " + e.getMessage(), e);
            }
            List<Record> rs;
            try {
                rs = parse(text, f.toString());
            } catch (IOException e) {
                throw new IOException("dnssec.trust_anchors: " + e.getMessage(), e);
            }
            all.addAll(rs);
        }
        return new TrustAnchors(all, "dnssec.trust_anchors " + files);
    }

    /** The trusted keys of {@link ManagedAnchors} kept in {@code file}. */
    static TrustAnchors managed(List<Record> trusted, Path file) {
        return new TrustAnchors(trusted, "the root's keys kept current (RFC 5011) in " + file);
    }

    /** The DS and DNSKEY records of {@code text}; other types are ignored, none at all is an error. */
    static List<Record> parse(String text, String file) throws IOException {
        List<Record> out = new ArrayList<>();
        try (Master m = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Name.root,
                3600)) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                if (r.getType() == Type.DS || r.getType() == Type.DNSKEY) {
                    out.add(r);
                }
            }
        } catch (TextParseException e) {
            throw new IOException(file + " is not in zone-file form: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no DS or DNSKEY record");
        }
        return out;
    }

    /** The anchors, in zone-file form. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Record r : records) {
            b.append(r).append('\n');
        }
        return b.toString();
    }

    /** Where they came from, for the start-up log. */
    public String source() {
        return source;
    }

    public List<Record> records() {
        return records;
    }

    /** Loads them into {@code validator}. */
    void loadInto(ValidatingResolver validator) {
        try {
            validator.loadTrustAnchors(new ByteArrayInputStream(text().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("trust anchors checked at load no longer read: " + e.getMessage(), e);
        }
    }
}
