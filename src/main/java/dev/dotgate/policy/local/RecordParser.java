package dev.dotgate.policy.local;

import java.io.IOException;
import java.util.Set;
import java.util.regex.Pattern;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TTL;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Tokenizer;
import org.xbill.DNS.Type;

/**
 * Reads one configured entry in zone-file presentation form, {@code name [TTL] [class] type data} (TTL and class
 * in either order), with dnsjava. Names are absolute whether or not they end in a dot. Only the types in
 * {@link #SUPPORTED} and class IN are accepted; anything else is a {@link LocalRecordException}.
 */
final class RecordParser {
    /** TTL of an entry that gives none: short enough that clients pick up a changed configuration soon. */
    static final long DEFAULT_TTL = 300;
    static final Set<Integer> SUPPORTED = Set.of(Type.A, Type.AAAA, Type.CNAME, Type.TXT, Type.PTR);

    private static final Pattern DNSJAVA_POSITION = Pattern.compile("^<[^>]*>:\\d+: ");

    private RecordParser() {
    }

    /** The record {@code text}, the entry at {@code index}. */
    static Record parse(int index, String text) {
        if (text == null || text.isBlank()) {
            throw new LocalRecordException(index, text, "is empty");
        }
        String line = text.strip();
        if (line.startsWith("$")) {
            throw new LocalRecordException(index, text, "zone file directives ($ORIGIN, $TTL, $INCLUDE ...) are not"
                    + " supported; write one record per entry");
        }
        try (Tokenizer st = new Tokenizer(line)) {
            Name name = st.getName(Name.root);
            if (name.isWild()) {
                throw new LocalRecordException(index, text, "wildcard names are not supported");
            }
            long ttl = -1;
            int dclass = -1;
            int type = -1;
            while (type < 0) {
                Tokenizer.Token t = st.get();
                if (!t.isString()) {
                    throw new LocalRecordException(index, text, "has no record type (A, AAAA, CNAME, TXT or PTR)");
                }
                String s = t.value;
                if (Character.isDigit(s.charAt(0)) && ttl < 0) {
                    ttl = ttl(index, text, s);
                } else if (DClass.value(s) >= 0 && dclass < 0) {
                    dclass = DClass.value(s);
                } else if (Type.value(s) >= 0) {
                    type = Type.value(s);
                } else {
                    throw new LocalRecordException(index, text, "'" + s + "' is not a record type");
                }
            }
            if (dclass >= 0 && dclass != DClass.IN) {
                throw new LocalRecordException(index, text,
                        "class " + DClass.string(dclass) + " is not supported; only IN is");
            }
            if (!SUPPORTED.contains(type)) {
                throw new LocalRecordException(index, text,
                        "type " + Type.string(type) + " is not supported; use A, AAAA, CNAME, TXT or PTR");
            }
            Tokenizer.Token data = st.get();
            if (!data.isString()) {
                throw new LocalRecordException(index, text, "has no data for its " + Type.string(type) + " record");
            }
            st.unget();
            return Record.fromString(name, type, DClass.IN, ttl < 0 ? DEFAULT_TTL : ttl, st, Name.root);
        } catch (TextParseException e) {
            throw new LocalRecordException(index, text, DNSJAVA_POSITION.matcher(e.getMessage()).replaceFirst(""));
        } catch (IOException e) {
            throw new LocalRecordException(index, text, "cannot be read: " + e.getMessage());
        }
    }

    private static long ttl(int index, String text, String s) {
        try {
            return TTL.parseTTL(s);
        } catch (NumberFormatException e) {
            throw new LocalRecordException(index, text, "'" + s + "' is not a TTL");
        }
    }
}
