package dev.dotgate.cache;

import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Test messages built by an independent encoder (dnsjava), and the glue to hand them to the cache. */
final class Messages {
    private Messages() {
    }

    /** A query for {@code name}/{@code type} IN with RD=1; with an OPT record (UDP 1232) when {@code edns}. */
    static Message query(String name, int type, int id, boolean edns, boolean dnssecOk) throws IOException {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        m.getHeader().setID(id);
        if (edns) {
            m.addRecord(new OPTRecord(1232, 0, 0, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
        }
        return m;
    }

    static Message query(String name, int type) throws IOException {
        return query(name, type, 0x1234, true, false);
    }

    /**
     * An upstream answer to {@code query}: same ID and question, QR RD RA, {@code rcode}, the given records in the
     * answer section, and an OPT echoing the query's when it had one.
     */
    static Message answer(Message query, int rcode, Record... answers) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RD);
        m.getHeader().setFlag(Flags.RA);
        m.getHeader().setRcode(rcode);
        m.addRecord(query.getQuestion(), Section.QUESTION);
        for (Record r : answers) {
            m.addRecord(r, Section.ANSWER);
        }
        OPTRecord opt = query.getOPT();
        if (opt != null) {
            m.addRecord(new OPTRecord(1232, 0, 0, opt.getFlags()), Section.ADDITIONAL);
        }
        return m;
    }

    static Message answer(Message query, Record... answers) {
        return answer(query, Rcode.NOERROR, answers);
    }

    static Record rr(String text) throws IOException {
        String[] p = text.split("\\s+", 5); // name TTL IN type data
        return Record.fromString(Name.fromString(p[0]), Type.value(p[3]), DClass.IN, Long.parseLong(p[1]), p[4],
                Name.root);
    }

    static SOARecord soa(String zone, long ttl, long minimum) throws IOException {
        Name z = Name.fromString(zone);
        return new SOARecord(z, DClass.IN, ttl, Name.fromString("ns1", z), Name.fromString("hostmaster", z), 1,
                3600, 600, 86400, minimum);
    }

    static ByteBuf wire(Message m) {
        return Unpooled.wrappedBuffer(m.toWire());
    }

    static CacheKey key(Message query) {
        ByteBuf q = wire(query);
        try {
            return CacheKey.of(q, QueryInfo.parse(q));
        } finally {
            q.release();
        }
    }

    /** Parses and releases {@code buf}. */
    static Message parse(ByteBuf buf) throws IOException {
        try {
            return new Message(ByteBufUtil.getBytes(buf));
        } finally {
            buf.release();
        }
    }
}
