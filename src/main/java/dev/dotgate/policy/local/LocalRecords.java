package dev.dotgate.policy.local;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.NameKey;
import dev.dotgate.wire.QueryInfo;
import dev.dotgate.wire.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Type;

/**
 * Names the configuration answers itself, authoritatively and without an upstream. Entries are zone-file lines
 * such as {@code "nas.home.arpa. 300 IN A 192.168.1.10"} or {@code "printer.home.arpa CNAME nas.home.arpa"}: TTL
 * optional (default {@value RecordParser#DEFAULT_TTL} s), class optional (IN, the only one accepted), names
 * absolute with or without the final dot; types A, AAAA, CNAME, TXT and PTR. Every A and AAAA also gets its PTR
 * at the reverse name, unless the configuration has records of its own there. Records of one type at one name are
 * de-duplicated and share the smallest TTL given.
 *
 * <p>A query is answered here when its name has local records (of any type) and its class is IN or ANY; all other
 * queries, including names below a local name, go on to the upstream. Every answer is prepared at load time with
 * dnsjava; a query only costs a key and a copy. Immutable and thread-safe.
 */
public final class LocalRecords {
    private static final LocalRecords EMPTY = new LocalRecords(Map.of());
    private static final int OPT_LENGTH = 11;

    private final Map<NameKey, LocalName> names;

    private LocalRecords(Map<NameKey, LocalName> names) {
        this.names = names;
    }

    /** No local names: every query goes on. */
    public static LocalRecords empty() {
        return EMPTY;
    }

    /**
     * Reads the configured {@code entries}. Throws a {@link LocalRecordException} naming the first entry that
     * cannot be used: unreadable, unsupported type or class, a CNAME sharing its name with other records, a CNAME
     * loop through local names.
     */
    public static LocalRecords parse(List<String> entries) {
        return parse(entries, List.of());
    }

    /**
     * {@link #parse(List)} plus records the gateway publishes about itself ({@code builtIn}, e.g. the SVCB
     * records of discovery), which may be of any type and are added after the configured ones.
     */
    public static LocalRecords parse(List<String> entries, List<Record> builtIn) {
        Map<NameKey, AnswerTemplates.Node> nodes = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String text = entries.get(i);
            add(nodes, RecordParser.parse(i, text), i, text);
        }
        for (Record r : builtIn) {
            add(nodes, r, entries.size(), r.toString());
        }
        Map<NameKey, AnswerTemplates.Node> derived = new LinkedHashMap<>();
        for (AnswerTemplates.Node node : nodes.values()) {
            for (int type : new int[] {Type.A, Type.AAAA}) {
                RRset addresses = node.rrsets().get(type);
                if (addresses == null) {
                    continue;
                }
                for (Record r : addresses.rrs(false)) {
                    Name reverse = ReverseMap.fromAddress(address(r));
                    NameKey key = NameKey.ofWire(reverse.toWireCanonical());
                    if (!nodes.containsKey(key)) {
                        add(derived, new PTRRecord(reverse, DClass.IN, r.getTTL(), node.name()), node.firstIndex(),
                                node.firstText());
                    }
                }
            }
        }
        nodes.putAll(derived);
        Map<NameKey, LocalName> names = new HashMap<>();
        nodes.forEach((key, node) -> names.put(key, AnswerTemplates.build(node, nodes)));
        return new LocalRecords(Map.copyOf(names));
    }

    private static InetAddress address(Record r) {
        return r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress();
    }

    private static void add(Map<NameKey, AnswerTemplates.Node> nodes, Record r, int index, String text) {
        AnswerTemplates.Node node = nodes.computeIfAbsent(NameKey.ofWire(r.getName().toWireCanonical()),
                k -> new AnswerTemplates.Node(r.getName(), new LinkedHashMap<>(), index, text));
        RRset cname = node.cname();
        if (r.getType() == Type.CNAME ? !node.rrsets().isEmpty() && (cname == null || !cname.first().equals(r))
                : cname != null) {
            throw new LocalRecordException(index, text, r.getName() + " has a CNAME and other records; a CNAME"
                    + " must be the only record at its name");
        }
        node.rrsets().computeIfAbsent(r.getType(), t -> new RRset()).addRR(r);
    }

    /** Number of names answered locally, derived reverse names included. */
    public int size() {
        return names.size();
    }

    public boolean isEmpty() {
        return names.isEmpty();
    }

    /**
     * Where the CNAME chain of the query's local name leaves the local names, when the answer from
     * {@link #answer} is that chain alone and the target's records of the asked type still belong in it; else null
     * (not local, no chain, or a question the chain answers completely: CNAME, ANY).
     */
    public Name externalTarget(ByteBuf query, QueryInfo info) {
        if (names.isEmpty() || info.status() != QueryInfo.Status.OK) {
            return null;
        }
        LocalName name = names.get(NameKey.ofQuestion(query, info));
        return name == null ? null : name.externalTarget(info.qtype());
    }

    /**
     * The answer to {@code query} (described by {@code info}) when its name is local, else null. The answer is a
     * new buffer owned by the caller: the query's ID and question bytes as sent (letter case included), AA=1,
     * RA=1, RD and CD copied, NOERROR, and an OPT record (UDP size {@value Dns#OUR_UDP_SIZE}, DO echoed) when the
     * query had one. The records: those of the asked type; all of them for ANY; for a name with a CNAME, the
     * CNAME chain plus the target's records when the target is local too; none, with an SOA, for NODATA.
     * Does not take ownership of {@code query}. The caller checks the size against the client's UDP payload.
     */
    public ByteBuf answer(ByteBuf query, QueryInfo info, ByteBufAllocator alloc) {
        if (names.isEmpty() || info.status() != QueryInfo.Status.OK
                || (info.qclass() != DClass.IN && info.qclass() != DClass.ANY)) {
            return null;
        }
        LocalName name = names.get(NameKey.ofQuestion(query, info));
        if (name == null) {
            return null;
        }
        byte[] prepared = name.answer(info.qtype());
        ByteBuf out = alloc.buffer(prepared.length + (info.hasOpt() ? OPT_LENGTH : 0));
        out.writeBytes(prepared);
        out.setShort(0, Dns.id(query));
        out.setShort(2, out.getUnsignedShort(2) | (Dns.flags(query) & (Dns.FLAG_RD | Dns.FLAG_CD)));
        out.setBytes(Dns.HEADER_LENGTH, query, query.readerIndex() + Dns.HEADER_LENGTH,
                info.questionEnd() - Dns.HEADER_LENGTH);
        if (info.hasOpt()) {
            out.setShort(10, out.getUnsignedShort(10) + 1);
            Replies.writeOpt(out, info.dnssecOk());      // DO echoed (RFC 3225)
        }
        return out;
    }
}
