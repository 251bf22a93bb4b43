package dev.dotgate.cache;

import dev.dotgate.wire.Dns;
import dev.dotgate.wire.EdnsOptions;
import dev.dotgate.wire.Names;
import dev.dotgate.wire.QueryInfo;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * What a cached answer is filed under: the question name as lower-cased wire bytes, the question type and class,
 * and the parts of the query that change what an upstream answers: whether it had an OPT record at all (a client
 * without EDNS must never receive one), its DO bit, and its CD bit (an answer fetched with checking disabled must
 * not reach a client that wants validated data), and its EDNS Client Subnet option when it has one (RFC 7871: an
 * upstream configured with {@code ecs=forward} tailors its answer to that subnet, so the answer is shared only with
 * queries naming the same subnet; stripped subnets cost only some sharing). Immutable; one byte array per key,
 * nothing decoded to text.
 *
 * <p>Clients choose the names, so they could choose names that collide: {@link #hashCode} is SipHash-1-3 of the key
 * bytes under a key drawn once per process from {@link SecureRandom}, which they cannot predict (an unseeded
 * {@code Arrays.hashCode} let anyone make thousands of names share one hash bucket and turn every lookup into a list
 * scan). Keys are also {@link Comparable} (unsigned bytes, lexicographic), so should a bucket still fill up, the
 * {@code ConcurrentHashMap} inside Caffeine and the flight table turn it into a tree.
 */
public final class CacheKey implements Comparable<CacheKey> {

    private static final int EDNS = 1;
    private static final int DNSSEC_OK = 2;
    private static final int CHECKING_DISABLED = 4;
    private static final int CLIENT_SUBNET = 8;
    /** qtype (2), qclass (2), flags (1) after the name. */
    private static final int TAIL = 5;

    private static final VarHandle LITTLE_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** This process's SipHash key. */
    private static final long SEED0;
    private static final long SEED1;

    static {
        SecureRandom random = new SecureRandom();
        SEED0 = random.nextLong();
        SEED1 = random.nextLong();
    }

    private final byte[] bytes; // name, TAIL, then the client subnet option's data if any
    private final int nameLength;
    private final int hash;

    private CacheKey(byte[] bytes, int nameLength) {
        this.bytes = bytes;
        this.nameLength = nameLength;
        this.hash = seededHash(bytes);
    }

    /**
     * The key of {@code query}, which {@code info} must describe as {@link QueryInfo.Status#OK}. Reads the question
     * in place; does not move indexes or take ownership.
     */
    public static CacheKey of(ByteBuf query, QueryInfo info) {
        if (info.status() != QueryInfo.Status.OK) {
            throw new IllegalArgumentException("not a well-formed query: " + info.status());
        }
        int nameStart = query.readerIndex() + Dns.HEADER_LENGTH;
        int nameLength = info.questionEnd() - Dns.HEADER_LENGTH - 4;
        int ecsAt = info.hasOpt() ? EdnsOptions.findOption(query, query.readerIndex() + info.optOffset(),
                EdnsOptions.CLIENT_SUBNET) : EdnsOptions.NONE;
        int ecsLength = ecsAt >= 0 ? query.getUnsignedShort(ecsAt + 2) : 0;
        byte[] b = new byte[nameLength + TAIL + ecsLength];
        Names.copyLowerCase(query, nameStart, b, nameLength);
        b[nameLength] = (byte) (info.qtype() >>> 8);
        b[nameLength + 1] = (byte) info.qtype();
        b[nameLength + 2] = (byte) (info.qclass() >>> 8);
        b[nameLength + 3] = (byte) info.qclass();
        int flags = (info.hasOpt() ? EDNS : 0) | (info.dnssecOk() ? DNSSEC_OK : 0)
                | ((Dns.flags(query) & Dns.FLAG_CD) != 0 ? CHECKING_DISABLED : 0)
                | (ecsAt >= 0 ? CLIENT_SUBNET : 0);
        b[nameLength + 4] = (byte) flags;
        if (ecsLength > 0) {
            query.getBytes(ecsAt + 4, b, nameLength + TAIL, ecsLength);
        }
        return new CacheKey(b, nameLength);
    }

    /** Length of the question name in wire form; the question section is this plus 4. */
    int nameLength() {
        return nameLength;
    }

    public int qtype() {
        return ((bytes[nameLength()] & 0xFF) << 8) | (bytes[nameLength() + 1] & 0xFF);
    }

    public int qclass() {
        return ((bytes[nameLength() + 2] & 0xFF) << 8) | (bytes[nameLength() + 3] & 0xFF);
    }

    /** Whether the query carried an OPT record. */
    public boolean edns() {
        return (bytes[nameLength() + 4] & EDNS) != 0;
    }

    public boolean dnssecOk() {
        return (bytes[nameLength() + 4] & DNSSEC_OK) != 0;
    }

    public boolean checkingDisabled() {
        return (bytes[nameLength() + 4] & CHECKING_DISABLED) != 0;
    }

    /**
     * Whether the question starting at {@code index} of {@code m} (an uncompressed name, type, class) is this key's,
     * the name compared case-insensitively. Returns the index just past the question, or {@link Names#MALFORMED}
     * when it is unreadable or another question.
     */
    int matchQuestion(ByteBuf m, int index, int end) {
        int nameEnd = Names.skipUncompressed(m, index, end);
        int length = nameLength();
        if (nameEnd == Names.MALFORMED || nameEnd - index != length || nameEnd + 4 > end) {
            return Names.MALFORMED;
        }
        for (int k = 0; k < length; k++) {
            if (Names.toLower(m.getByte(index + k)) != bytes[k]) {
                return Names.MALFORMED;
            }
        }
        if (m.getUnsignedShort(nameEnd) != qtype() || m.getUnsignedShort(nameEnd + 2) != qclass()) {
            return Names.MALFORMED;
        }
        return nameEnd + 4;
    }

    /** SipHash-1-3 of {@code b} under this process's seed, folded to 32 bits. */
    static int seededHash(byte[] b) {
        long h = sipHash(SEED0, SEED1, b, 1, 3);
        return (int) (h ^ (h >>> 32));
    }

    /**
     * SipHash-c-d (Aumasson and Bernstein) of {@code b} under the 128-bit key {@code k0}, {@code k1} (both read
     * little-endian, as in the reference). One pass over the bytes, eight at a time; no allocation.
     */
    static long sipHash(long k0, long k1, byte[] b, int compressionRounds, int finalRounds) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int n = b.length;
        int whole = n & ~7;
        long m;
        for (int i = 0; i <= whole; i += 8) {
            if (i < whole) {
                m = (long) LITTLE_ENDIAN_LONG.get(b, i);
            } else { // the last 0 to 7 bytes and the length's low byte on top
                m = (long) n << 56;
                for (int k = i; k < n; k++) {
                    m |= (b[k] & 0xFFL) << ((k - i) << 3);
                }
            }
            v3 ^= m;
            for (int r = 0; r < compressionRounds; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xFF;
        for (int r = 0; r < finalRounds; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** Unsigned bytes, lexicographic; consistent with {@link #equals}. */
    @Override
    public int compareTo(CacheKey other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** For logs and test failures: "name/type/class" plus the EDNS state. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < nameLength() && bytes[i] != 0) {
            int len = bytes[i];
            sb.append(new String(bytes, i + 1, len, java.nio.charset.StandardCharsets.ISO_8859_1)).append('.');
            i += len + 1;
        }
        return (sb.length() == 0 ? "." : sb) + "/" + qtype() + "/" + qclass() + (edns() ? " edns" : "")
                + (dnssecOk() ? " do" : "") + (checkingDisabled() ? " cd" : "")
                + ((bytes[nameLength + 4] & CLIENT_SUBNET) != 0 ? " ecs" : "");
    }
}
