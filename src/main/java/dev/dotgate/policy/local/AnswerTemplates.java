package dev.dotgate.policy.local;

import dev.dotgate.wire.NameKey;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Builds the answers of local names with dnsjava, once, when the records are loaded: AA=1, RA=1, NOERROR, the
 * records asked for in the answer section, and for NODATA a synthesized SOA in the authority section so clients
 * can cache the negative answer (RFC 2308). The SOA's owner is the name itself, its TTL and MINIMUM
 * {@link #NEGATIVE_TTL}: a local name is its own tiny zone.
 */
final class AnswerTemplates {
    /** TTL and MINIMUM of the synthesized SOA: how long clients may cache a NODATA for a local name. */
    static final long NEGATIVE_TTL = 60;
    /** A CNAME chain through local names longer than this is refused at load time. */
    static final int MAX_CHAIN = 8;

    private AnswerTemplates() {
    }

    /** A local name's records by type, and the entry that introduced the name (for errors). */
    record Node(Name name, Map<Integer, RRset> rrsets, int firstIndex, String firstText) {
        RRset cname() {
            return rrsets.get(Type.CNAME);
        }
    }

    /** Prepares every answer of {@code node}, following CNAMEs through {@code nodes}. */
    static LocalName build(Node node, Map<NameKey, Node> nodes) {
        IntObjectHashMap<byte[]> byType = new IntObjectHashMap<>();
        RRset cname = node.cname();
        if (cname == null) {
            List<Record> all = new ArrayList<>();
            node.rrsets().forEach((type, rrset) -> {
                byType.put(type, message(node.name(), rrset.rrs(false), null));
                all.addAll(rrset.rrs(false));
            });
            byType.put(Type.ANY, message(node.name(), all, null));
            return new LocalName(byType, message(node.name(), List.of(), soa(node.name())), null);
        }
        List<Record> chain = new ArrayList<>(cname.rrs(false));
        byType.put(Type.CNAME, message(node.name(), chain, null));
        byType.put(Type.ANY, message(node.name(), chain, null));
        Node end = node;
        Name last = node.name();
        List<Name> seen = new ArrayList<>(List.of(node.name()));
        while (end != null && end.cname() != null) {
            Name target = ((CNAMERecord) end.cname().first()).getTarget();
            if (seen.contains(target)) {
                throw new LocalRecordException(node.firstIndex(), node.firstText(),
                        "the CNAME chain from " + node.name() + " loops back to " + target);
            }
            if (seen.size() > MAX_CHAIN) {
                throw new LocalRecordException(node.firstIndex(), node.firstText(),
                        "the CNAME chain from " + node.name() + " is longer than " + MAX_CHAIN);
            }
            seen.add(target);
            last = target;
            end = nodes.get(NameKey.ofWire(target.toWireCanonical()));
            if (end != null && end.cname() != null) {
                chain.addAll(end.cname().rrs(false));
            }
        }
        if (end == null) {
            // The target is not local: the chain, to which the target's own answer is added when it is asked.
            return new LocalName(byType, message(node.name(), chain, null), last);
        }
        for (Map.Entry<Integer, RRset> e : end.rrsets().entrySet()) {
            List<Record> records = new ArrayList<>(chain);
            records.addAll(e.getValue().rrs(false));
            byType.put(e.getKey(), message(node.name(), records, null));
        }
        return new LocalName(byType, message(node.name(), chain, soa(end.name())), null);
    }

    private static byte[] message(Name question, List<Record> answers, SOARecord authority) {
        Message m = new Message(0);
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.AA);
        m.getHeader().setFlag(Flags.RA);
        // The question's type and class are placeholders: each query's own question is copied over them.
        m.addRecord(Record.newRecord(question, Type.A, DClass.IN), Section.QUESTION);
        for (Record r : answers) {
            m.addRecord(r, Section.ANSWER);
        }
        if (authority != null) {
            m.addRecord(authority, Section.AUTHORITY);
        }
        return m.toWire();
    }

    /** The SOA that makes {@code name} its own zone: MNAME the name, RNAME hostmaster.name (or the name). */
    private static SOARecord soa(Name name) {
        Name admin;
        try {
            admin = Name.concatenate(Name.fromConstantString("hostmaster"), name);
        } catch (NameTooLongException e) {
            admin = name;
        }
        return new SOARecord(name, DClass.IN, NEGATIVE_TTL, name, admin, 1, 3600, 600, 86400, NEGATIVE_TTL);
    }
}
