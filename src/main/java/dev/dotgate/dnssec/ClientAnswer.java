package dev.dotgate.dnssec;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A validated answer as the client may see it (RFC 4035 3.2): AD only when secure and the client asked with DO or
 * AD (RFC 6840 5.8); RRSIG, NSEC and NSEC3 records only for a client that set DO (or asked for that type); an OPT
 * record only for a client that sent one, its DO bit the client's; CD and RD as the client set them.
 */
final class ClientAnswer {
    private ClientAnswer() {
    }

    /** {@code m} shaped for the client of {@code query}, in a new buffer from {@code alloc} (the caller's). */
    static ByteBuf of(Message m, ByteBuf query, QueryInfo info, boolean secure, ByteBufAllocator alloc) {
        int queryFlags = Dns.flags(query);
        Header h = m.getHeader();
        flag(h, Flags.AD, secure && (info.dnssecOk() || (queryFlags & Dns.FLAG_AD) != 0));
        flag(h, Flags.CD, (queryFlags & Dns.FLAG_CD) != 0);
        flag(h, Flags.RD, (queryFlags & Dns.FLAG_RD) != 0);
        if (!info.dnssecOk()) {
            for (int section = Section.ANSWER; section <= Section.ADDITIONAL; section++) {
                strip(m, section, section == Section.ANSWER ? info.qtype() : -1);
            }
        }
        OPTRecord opt = m.getOPT();
        if (opt != null) {
            m.removeRecord(opt, Section.ADDITIONAL);
        }
        if (info.hasOpt()) {
            int flags = info.dnssecOk() ? ExtendedFlags.DO : 0;
            m.addRecord(opt == null ? new OPTRecord(Dns.OUR_UDP_SIZE, 0, 0, flags)
                    : new OPTRecord(opt.getPayloadSize(), opt.getExtendedRcode(), opt.getVersion(), flags,
                            opt.getOptions()), Section.ADDITIONAL);
        }
        byte[] wire = m.toWire();
        return alloc.buffer(wire.length).writeBytes(wire);
    }

    private static void flag(Header h, int flag, boolean on) {
        if (on) {
            h.setFlag(flag);
        } else {
            h.unsetFlag(flag);
        }
    }

    /** Takes the DNSSEC records out of {@code section}, but those of type {@code keep}. */
    private static void strip(Message m, int section, int keep) {
        List<Record> records = m.getSection(section);
        List<Record> kept = new ArrayList<>(records.size());
        boolean changed = false;
        for (Record r : records) {
            int t = r.getType();
            if ((t == Type.RRSIG || t == Type.NSEC || t == Type.NSEC3) && t != keep) {
                changed = true;
            } else {
                kept.add(r);
            }
        }
        if (changed) {
            m.removeAllRecords(section);
            for (Record r : kept) {
                m.addRecord(r, section);
            }
        }
    }
}
