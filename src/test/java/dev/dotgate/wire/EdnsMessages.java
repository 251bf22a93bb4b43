package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.GenericEDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Messages for the EDNS option tests, built and read back by an independent codec (dnsjava). */
final class EdnsMessages {
    static final int COOKIE = 10;

    private EdnsMessages() {
    }

    static EDNSOption option(int code, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i + 1);
        }
        return new GenericEDNSOption(code, data);
    }

    static EDNSOption keepalive(int timeout) {
        return new GenericEDNSOption(EdnsOptions.KEEPALIVE, new byte[] {(byte) (timeout >> 8), (byte) timeout});
    }

    static EDNSOption keepaliveAsk() {
        return new GenericEDNSOption(EdnsOptions.KEEPALIVE, new byte[0]);
    }

    /** A query for {@code name} A, with an OPT carrying {@code options} unless {@code options} is null. */
    static byte[] query(String name, EDNSOption... options) throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        if (options != null) {
            m.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(options)), Section.ADDITIONAL);
        }
        return m.toWire();
    }

    /**
     * An answer to {@code name} A: one A record, an OPT with {@code options} unless null, and an extra additional
     * record after the OPT when {@code recordAfterOpt}.
     */
    static byte[] answer(String name, boolean recordAfterOpt, EDNSOption... options) throws Exception {
        return answer(name, null, recordAfterOpt, options);
    }

    /** An answer between {@code lo} and {@code hi} bytes long (a TXT record sized to fit), OPT with {@code options}. */
    static byte[] answerBetween(int lo, int hi, EDNSOption... options) throws Exception {
        int chars = lo * 255 / 256 - 100;
        for (int attempt = 0; attempt < 1000; attempt++) {
            List<String> strings = new ArrayList<>();
            for (int left = chars; left > 0; left -= 255) {
                strings.add("y".repeat(Math.min(255, left)));
            }
            byte[] wire = answer("big.test.", strings, false, options);
            if (wire.length >= lo && wire.length <= hi) {
                return wire;
            }
            int diff = (lo + hi) / 2 - wire.length;
            chars += Math.abs(diff) > 4 ? diff * 255 / 256 : Integer.signum(diff);
        }
        throw new AssertionError("cannot build an answer of " + lo + " to " + hi + " bytes");
    }

    private static byte[] answer(String name, List<String> txt, boolean recordAfterOpt, EDNSOption... options)
            throws Exception {
        Name n = Name.fromString(name);
        Message m = Message.newQuery(Record.newRecord(n, txt == null ? Type.A : Type.TXT, DClass.IN));
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.RA);
        if (txt == null) {
            m.addRecord(new ARecord(n, DClass.IN, 300, java.net.InetAddress.getByName("192.0.2.1")), Section.ANSWER);
        } else if (!txt.isEmpty()) {
            m.addRecord(new TXTRecord(n, DClass.IN, 300, txt), Section.ANSWER);
        }
        if (options != null) {
            m.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(options)), Section.ADDITIONAL);
        }
        byte[] wire = m.toWire(65535);
        if (!recordAfterOpt) {
            return wire;
        }
        // dnsjava always writes the OPT last; append a record after it by hand (glue.test. A 192.0.2.9, TTL 60).
        byte[] glue = {4, 'g', 'l', 'u', 'e', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 192, 0, 2, 9};
        byte[] out = java.util.Arrays.copyOf(wire, wire.length + glue.length);
        System.arraycopy(glue, 0, out, wire.length, glue.length);
        int arcount = ((out[10] & 0xFF) << 8 | (out[11] & 0xFF)) + 1;
        out[10] = (byte) (arcount >> 8);
        out[11] = (byte) arcount;
        return out;
    }

    static ByteBuf buf(byte[] b) {
        return Unpooled.wrappedBuffer(b);
    }

    static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    /** The OPT options of {@code wire} as read by dnsjava, or null without an OPT record. */
    static List<EDNSOption> options(byte[] wire) throws Exception {
        OPTRecord opt = new Message(wire).getOPT();
        return opt == null ? null : opt.getOptions();
    }

    static List<Integer> codes(byte[] wire) throws Exception {
        List<EDNSOption> options = options(wire);
        return options == null ? null : options.stream().map(EDNSOption::getCode).toList();
    }

    static byte[] data(EDNSOption o) {
        return o.toWire().length > 4 ? java.util.Arrays.copyOfRange(o.toWire(), 4, o.toWire().length) : new byte[0];
    }
}
