package dev.dotgate.limits;

import io.netty.util.NetUtil;
import java.util.List;

/**
 * The CIDR ranges of {@code limits.exempt}, matched on the bits {@link ClientKey} reads anyway (an int for
 * IPv4, two longs for IPv6): no allocation, a few comparisons per range.
 */
final class ExemptRanges {
    private final int[] v4Net;
    private final int[] v4Mask;
    private final long[] v6Hi;
    private final long[] v6Lo;
    private final long[] v6HiMask;
    private final long[] v6LoMask;

    /** {@code ranges} were checked by the config loader (same forms as the access lists). */
    ExemptRanges(List<String> ranges) {
        int n4 = 0;
        int n6 = 0;
        for (String r : ranges) {
            if (bytes(r).length == 4) {
                n4++;
            } else {
                n6++;
            }
        }
        v4Net = new int[n4];
        v4Mask = new int[n4];
        v6Hi = new long[n6];
        v6Lo = new long[n6];
        v6HiMask = new long[n6];
        v6LoMask = new long[n6];
        int i4 = 0;
        int i6 = 0;
        for (String r : ranges) {
            byte[] b = bytes(r);
            int slash = r.trim().indexOf('/');
            int prefix = slash < 0 ? b.length * 8 : Integer.parseInt(r.trim().substring(slash + 1));
            if (b.length == 4) {
                int a = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
                v4Mask[i4] = ClientKey.v4Mask(prefix);
                v4Net[i4++] = a & ClientKey.v4Mask(prefix);
            } else {
                v6HiMask[i6] = ClientKey.highMask(prefix);
                v6LoMask[i6] = ClientKey.lowMask(prefix);
                v6Hi[i6] = ClientKey.high(b) & v6HiMask[i6];
                v6Lo[i6] = ClientKey.low(b) & v6LoMask[i6];
                i6++;
            }
        }
    }

    private static byte[] bytes(String range) {
        String t = range.trim();
        int slash = t.indexOf('/');
        byte[] b = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? t : t.substring(0, slash));
        if (b == null) {
            throw new IllegalArgumentException("limits.exempt: '" + range + "' is not an IP address or CIDR range");
        }
        return b;
    }

    boolean isEmpty() {
        return v4Net.length == 0 && v6Hi.length == 0;
    }

    boolean containsV4(int address) {
        for (int i = 0; i < v4Net.length; i++) {
            if ((address & v4Mask[i]) == v4Net[i]) {
                return true;
            }
        }
        return false;
    }

    boolean containsV6(long hi, long lo) {
        for (int i = 0; i < v6Hi.length; i++) {
            if ((hi & v6HiMask[i]) == v6Hi[i] && (lo & v6LoMask[i]) == v6Lo[i]) {
                return true;
            }
        }
        return false;
    }
}
