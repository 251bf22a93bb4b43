package dev.dotgate.observe.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.dotgate.resolve.Decision;
import dev.dotgate.resolve.Transport;
import dev.dotgate.wire.ExtendedErrors;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * Writes a {@link QueryEvent} as one CloudEvents 1.0 JSON object in structured mode. Not thread-safe: one per
 * writer thread; reuses its buffers.
 */
final class CloudEventWriter {
    static final String SPEC_VERSION = "1.0";
    static final String EVENT_TYPE = "dev.dotgate.query";
    static final String CONTENT_TYPE = "application/json";

    /** Random per process, so ids stay unique across restarts and across sinks in one process. */
    private static final String ID_PREFIX = String.format("%016x-", new SecureRandom().nextLong());
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private static final SerializableString SPECVERSION = new SerializedString("specversion");
    private static final SerializableString ID = new SerializedString("id");
    private static final SerializableString SOURCE = new SerializedString("source");
    private static final SerializableString TYPE = new SerializedString("type");
    private static final SerializableString TIME = new SerializedString("time");
    private static final SerializableString DATACONTENTTYPE = new SerializedString("datacontenttype");
    private static final SerializableString DATA = new SerializedString("data");
    private static final SerializableString CLIENT = new SerializedString("client");
    private static final SerializableString CLIENT_PORT = new SerializedString("client_port");
    private static final SerializableString TRANSPORT = new SerializedString("transport");
    private static final SerializableString NAME = new SerializedString("name");
    private static final SerializableString QTYPE = new SerializedString("type");
    private static final SerializableString RCODE = new SerializedString("rcode");
    private static final SerializableString EDE = new SerializedString("ede");
    private static final SerializableString EDE_NAME = new SerializedString("ede_name");
    private static final SerializableString DECISION = new SerializedString("decision");
    private static final SerializableString REASON = new SerializedString("reason");
    private static final SerializableString UPSTREAM = new SerializedString("upstream");
    private static final SerializableString LATENCY = new SerializedString("latency_us");
    private static final SerializableString SPEC_VERSION_VALUE = new SerializedString(SPEC_VERSION);
    private static final SerializableString EVENT_TYPE_VALUE = new SerializedString(EVENT_TYPE);
    private static final SerializableString CONTENT_TYPE_VALUE = new SerializedString(CONTENT_TYPE);
    private static final String[] TRANSPORTS = new String[Transport.values().length];

    static {
        for (Transport t : Transport.values()) {
            TRANSPORTS[t.ordinal()] = t.name().toLowerCase(Locale.ROOT);
        }
    }

    private final SerializableString source;
    private final char[] id = new char[ID_PREFIX.length() + 20];
    private final char[] time = "0000-00-00T00:00:00.000000Z".toCharArray();
    private long timeSecond = Long.MIN_VALUE;

    CloudEventWriter(String source) {
        this.source = new SerializedString(source);
        ID_PREFIX.getChars(0, ID_PREFIX.length(), id, 0);
    }

    /** {@code dotgate://HOSTNAME}, without a DNS lookup. */
    static String defaultSource() {
        return "dotgate://" + hostname();
    }

    private static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Writes the event as one JSON object (no newline). */
    void write(JsonGenerator g, QueryEvent e) throws IOException {
        g.writeStartObject();
        g.writeFieldName(SPECVERSION);
        g.writeString(SPEC_VERSION_VALUE);
        g.writeFieldName(ID);
        g.writeString(id, 0, nextId());
        g.writeFieldName(SOURCE);
        g.writeString(source);
        g.writeFieldName(TYPE);
        g.writeString(EVENT_TYPE_VALUE);
        g.writeFieldName(TIME);
        writeTime(g, e.timeMicros());
        g.writeFieldName(DATACONTENTTYPE);
        g.writeString(CONTENT_TYPE_VALUE);
        g.writeFieldName(DATA);
        g.writeStartObject();
        InetSocketAddress client = e.client();
        if (client != null) {
            InetAddress a = client.getAddress();
            g.writeFieldName(CLIENT);
            g.writeString(a != null ? NetUtil.toAddressString(a) : client.getHostString());
            g.writeFieldName(CLIENT_PORT);
            g.writeNumber(client.getPort());
        }
        if (e.transport() != null) {
            g.writeFieldName(TRANSPORT);
            g.writeString(TRANSPORTS[e.transport().ordinal()]);
        }
        if (e.name() != null) {
            g.writeFieldName(NAME);
            g.writeString(e.name());
        }
        if (e.qtype() >= 0 && e.qtype() <= 0xFFFF) {
            g.writeFieldName(QTYPE);
            g.writeString(Type.string(e.qtype()));
        }
        if (e.rcode() >= 0) {
            g.writeFieldName(RCODE);
            g.writeString(rcodeName(e.rcode()));
        }
        if (e.ede() >= 0) {
            g.writeFieldName(EDE);
            g.writeNumber(e.ede());
            g.writeFieldName(EDE_NAME);
            g.writeString(ExtendedErrors.name(e.ede()));
        }
        Decision d = e.decision();
        if (d != null) {
            g.writeFieldName(DECISION);
            g.writeString(d.label());
        }
        if (e.reason() != null) {
            g.writeFieldName(REASON);
            g.writeString(e.reason());
        }
        if (e.upstream() != null) {
            g.writeFieldName(UPSTREAM);
            g.writeString(e.upstream());
        }
        g.writeFieldName(LATENCY);
        g.writeNumber(e.latencyMicros());
        g.writeEndObject();
        g.writeEndObject();
    }

    /** The mnemonic (NOERROR, NXDOMAIN, BADVERS...), or RCODEn beyond the 12-bit extended range. */
    static String rcodeName(int rcode) {
        return rcode <= 0xFFF ? Rcode.string(rcode) : "RCODE" + rcode;
    }

    private int nextId() {
        long n = SEQUENCE.incrementAndGet();
        int start = ID_PREFIX.length();
        int digits = 1;
        for (long v = n; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = start + digits - 1; i >= start; i--) {
            id[i] = (char) ('0' + n % 10);
            n /= 10;
        }
        return start + digits;
    }

    /** RFC 3339 in UTC with microseconds, e.g. {@code 2026-11-22T04:27:23.001234Z}. */
    private void writeTime(JsonGenerator g, long micros) throws IOException {
        long second = Math.floorDiv(micros, 1_000_000L);
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        if (second != timeSecond) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
            if (t.getYear() < 0 || t.getYear() > 9999) {
                g.writeString(Instant.ofEpochSecond(second, fraction * 1_000L).toString());
                return;
            }
            digits(t.getYear(), 0, 4);
            digits(t.getMonthValue(), 5, 2);
            digits(t.getDayOfMonth(), 8, 2);
            digits(t.getHour(), 11, 2);
            digits(t.getMinute(), 14, 2);
            digits(t.getSecond(), 17, 2);
            timeSecond = second;
        }
        digits(fraction, 20, 6);
        g.writeString(time, 0, time.length);
    }

    private void digits(int value, int at, int count) {
        for (int i = at + count - 1; i >= at; i--) {
            time[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
