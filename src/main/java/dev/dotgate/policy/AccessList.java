package dev.dotgate.policy;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which clients a listener serves: a client is served when its address is inside an {@code allow} range and
 * inside no {@code deny} range. The default allows loopback and the private ranges only, so a listener put on a
 * public address is not an open resolver until the operator says so.
 */
public final class AccessList {
    /** Loopback, RFC 1918, shared address space (RFC 6598), link-local, unique local (RFC 4193). */
    public static final List<String> PRIVATE = List.of("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12",
            "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "::1/128", "fc00::/7", "fe80::/10");

    private final IpSubnetFilterRule[] allow;
    private final IpSubnetFilterRule[] deny;

    private AccessList(IpSubnetFilterRule[] allow, IpSubnetFilterRule[] deny) {
        this.allow = allow;
        this.deny = deny;
    }

    /**
     * Parses CIDR ranges ({@code 192.168.0.0/16}, {@code ::1/128}; a bare address is one host). {@code key}
     * names the setting in the error.
     */
    public static AccessList of(String key, List<String> allow, List<String> deny) {
        return new AccessList(rules(key + ".allow", allow),
                rules(key + ".deny", deny));
    }

    /** Just a set of CIDR ranges (same forms as {@link #of}): {@link #allows} is true inside any of them. */
    public static AccessList ranges(String key, List<String> ranges) {
        return new AccessList(rules(key, ranges), new IpSubnetFilterRule[0]);
    }

    private static IpSubnetFilterRule[] rules(String key, List<String> ranges) {
        List<IpSubnetFilterRule> out = new ArrayList<>();
        for (String r : ranges) {
            out.add(rule(key, r));
        }
        return out.toArray(new IpSubnetFilterRule[0]);
    }

    private static IpSubnetFilterRule rule(String key, String range) {
        String text = range.trim();
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        // Strict literals only: no BSD short forms ("10/8" would silently mean 0.0.0.0/8) and never a lookup.
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null || !(NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host))) {
            throw new IllegalArgumentException(key + ": '" + range + "' is not an IP address or CIDR range");
        }
        InetAddress address;
        try {
            address = InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(key + ": '" + range + "' is not an IP address or CIDR range");
        }
        int max = address.getAddress().length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException(key + ": '" + range + "' has a prefix length outside 0-" + max);
            }
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }

    public boolean allows(InetSocketAddress client) {
        if (client == null) {
            return false;
        }
        for (IpSubnetFilterRule r : deny) {
            if (r.matches(client)) {
                return false;
            }
        }
        for (IpSubnetFilterRule r : allow) {
            if (r.matches(client)) {
                return true;
            }
        }
        return false;
    }

}
