package dev.dotgate.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Extended DNS Errors (RFC 8914): the EDNS option (code 15) that says why an answer is what it is. The gateway adds
 * one to every answer it makes up (a block, a refusal, a stale answer, a failure, a DNSSEC verdict) when the client
 * sent EDNS, and passes on the ones its upstreams send.
 *
 * <p>Nothing here takes ownership of a buffer unless it says so.
 */
public final class ExtendedErrors {
    /** The EDNS option code. */
    public static final int OPTION = 15;
    /** No extended error: the value {@link #find} returns and what "no EDE" is everywhere else. */
    public static final int NONE = -1;

    public static final int OTHER = 0;
    public static final int UNSUPPORTED_DNSKEY_ALGORITHM = 1;
    public static final int UNSUPPORTED_DS_DIGEST = 2;
    public static final int STALE_ANSWER = 3;
    public static final int DNSSEC_INDETERMINATE = 5;
    public static final int DNSSEC_BOGUS = 6;
    public static final int SIGNATURE_EXPIRED = 7;
    public static final int SIGNATURE_NOT_YET_VALID = 8;
    public static final int DNSKEY_MISSING = 9;
    public static final int RRSIGS_MISSING = 10;
    public static final int NO_ZONE_KEY_BIT = 11;
    public static final int NSEC_MISSING = 12;
    public static final int BLOCKED = 15;
    public static final int PROHIBITED = 18;
    public static final int STALE_NXDOMAIN = 19;
    public static final int NO_REACHABLE_AUTHORITY = 22;

    /** The INFO-CODE names of the IANA registry, 0 to 30, as dig prints them. */
    private static final String[] NAMES = {
        "Other", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type", "Stale Answer", "Forged Answer",
        "DNSSEC Indeterminate", "DNSSEC Bogus", "Signature Expired", "Signature Not Yet Valid", "DNSKEY Missing",
        "RRSIGs Missing", "No Zone Key Bit Set", "NSEC Missing", "Cached Error", "Not Ready", "Blocked",
        "Censored", "Filtered", "Prohibited", "Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported",
        "No Reachable Authority", "Network Error", "Invalid Data", "Signature Expired before Valid",
        "Too Early", "Unsupported NSEC3 Iterations Value", "Unable to conform to policy", "Synthesized",
        "Invalid Query Type",
    };

    private ExtendedErrors() {
    }

    /** The registry's name of {@code code} ("Blocked"), or "Unknown" past the ones assigned. */
    public static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "Unknown";
    }

    /** The EXTRA-TEXT bytes of {@code text} (UTF-8), or null for none. */
    public static byte[] text(String text) {
        return text == null || text.isEmpty() ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** The length of the option with {@code text}: code, length, INFO-CODE, EXTRA-TEXT. */
    static int optionLength(byte[] text) {
        return 6 + (text == null ? 0 : text.length);
    }

    /** Writes the option ({@code code}, then {@code text} when not null) to {@code out}. */
    static void writeOption(ByteBuf out, int code, byte[] text) {
        int textLength = text == null ? 0 : text.length;
        out.writeShort(OPTION);
        out.writeShort(2 + textLength);
        out.writeShort(code);
        if (textLength > 0) {
            out.writeBytes(text);
        }
    }

    /**
     * The INFO-CODE of the first extended error in the message in {@code m}, or {@link #NONE} (also when the message
     * has no OPT record or cannot be read). Borrows {@code m}.
     */
    public static int find(ByteBuf m) {
        if (m.readableBytes() < Dns.HEADER_LENGTH || Dns.arcount(m) == 0) {
            return NONE;
        }
        int optAt = EdnsOptions.findOpt(m);
        if (optAt < 0) {
            return NONE;
        }
        int at = EdnsOptions.findOption(m, optAt, OPTION);
        return at < 0 || m.getUnsignedShort(at + 2) < 2 ? NONE : m.getUnsignedShort(at + 4);
    }

    /**
     * The message in {@code m} with an extended error {@code code} (and {@code text}) as the first option of its OPT
     * record, any extended error it had taken out, in a new buffer from {@code alloc}. A message without an OPT
     * record (the client sent no EDNS, so it must get none) or that cannot be read is returned as it is. Takes
     * ownership of {@code m}: it is released when a new buffer is returned.
     */
    public static ByteBuf withError(ByteBufAllocator alloc, ByteBuf m, int code, byte[] text) {
        int optAt = m.readableBytes() < Dns.HEADER_LENGTH || Dns.arcount(m) == 0 ? EdnsOptions.NONE
                : EdnsOptions.findOpt(m);
        if (optAt < 0) {
            return m;
        }
        int rdLengthAt = optAt + EdnsOptions.OPT_HEADER - 2;
        int rdStart = optAt + EdnsOptions.OPT_HEADER;
        int rdEnd = rdStart + m.getUnsignedShort(rdLengthAt);
        int old = EdnsOptions.findOption(m, optAt, OPTION);
        if (old == EdnsOptions.MALFORMED) {
            return m;
        }
        int oldEnd = old < 0 ? old : old + 4 + m.getUnsignedShort(old + 2);
        int start = m.readerIndex();
        int end = m.writerIndex();
        int added = optionLength(text);
        ByteBuf out = alloc.buffer(end - start + added);
        out.writeBytes(m, start, rdStart - start);
        writeOption(out, code, text);
        if (old < 0) {
            out.writeBytes(m, rdStart, end - rdStart);
        } else {
            out.writeBytes(m, rdStart, old - rdStart);
            out.writeBytes(m, oldEnd, end - oldEnd);
        }
        int rdLength = rdEnd - rdStart + added - (old < 0 ? 0 : oldEnd - old);
        out.setShort(rdLengthAt - start, rdLength);
        m.release();
        return out;
    }
}
