package dev.dotgate.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * What the local CA may vouch for: its X.509 name constraints (RFC 5280 section 4.2.1.10), permitted subtrees only,
 * marked critical. A phone that trusts the CA then trusts it for these names and addresses and nothing else, so
 * whoever reads {@code ca-key.pem} can no longer impersonate every HTTPS site to it.
 *
 * <p>DNS names: the ones the first server certificate carries (server name, {@code localhost}, this host's name);
 * each also covers its subdomains, as RFC 5280 defines a dNSName constraint. Addresses: loopback and the private
 * ranges ({@link #PRIVATE_RANGES}) as whole ranges, because leaves are issued again whenever this machine's addresses
 * change (a new DHCP lease, another network) and the same CA must still be able to sign them, or every phone would
 * have to be set up again; any other address the machine has when the CA is made (a public one) only exactly, as a
 * /32 or /128. Names and addresses a later leaf wants beyond these are left out of that leaf
 * ({@link ServerIdentity}).
 */
public final class CaScope {
    /** Loopback, RFC 1918, RFC 4193 (unique local IPv6): addresses that only ever name machines nearby. */
    static final List<String> PRIVATE_RANGES = List.of("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12",
            "192.168.0.0/16", "::1/128", "fc00::/7");

    private final List<String> dnsNames;
    /** Each entry: network bytes then mask bytes (8 for IPv4, 32 for IPv6), as in the certificate. */
    private final List<byte[]> networks;

    private CaScope(List<String> dnsNames, List<byte[]> networks) {
        this.dnsNames = List.copyOf(dnsNames);
        this.networks = List.copyOf(networks);
    }

    /** The scope for a new CA whose first leaf carries {@code dnsNames} and {@code addresses}. */
    public static CaScope forNames(List<String> dnsNames, List<InetAddress> addresses) {
        Set<String> names = new LinkedHashSet<>();
        for (String n : dnsNames) {
            names.add(n.toLowerCase(Locale.ROOT));
        }
        names.add("localhost");
        List<byte[]> nets = new ArrayList<>();
        for (String range : PRIVATE_RANGES) {
            nets.add(network(range));
        }
        CaScope privateOnly = new CaScope(List.copyOf(names), nets);
        for (InetAddress a : addresses) {
            if (!privateOnly.permits(a)) {
                nets.add(exactly(a));
            }
        }
        return new CaScope(List.copyOf(names), nets);
    }

    /** The name constraints {@code ca} carries, or null when it has none (a CA made by an earlier dotgate). */
    public static CaScope of(X509Certificate ca) {
        byte[] ext = ca.getExtensionValue(Extension.nameConstraints.getId());
        if (ext == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        List<byte[]> nets = new ArrayList<>();
        try {
            NameConstraints nc = NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
            GeneralSubtree[] permitted = nc.getPermittedSubtrees();
            for (GeneralSubtree t : permitted == null ? new GeneralSubtree[0] : permitted) {
                GeneralName g = t.getBase();
                if (g.getTagNo() == GeneralName.dNSName) {
                    names.add(DERIA5String.getInstance(g.getName()).getString().toLowerCase(Locale.ROOT));
                } else if (g.getTagNo() == GeneralName.iPAddress) {
                    byte[] net = ASN1OctetString.getInstance(g.getName()).getOctets();
                    if (net.length == 8 || net.length == 32) {
                        nets.add(net);
                    }
                }
            }
        } catch (RuntimeException e) { // unreadable constraints: treated as permitting nothing, so the CA is replaced
            return new CaScope(List.of(), List.of());
        }
        return new CaScope(names, nets);
    }

    /** The critical extension to put into the CA. */
    Extension extension() throws IOException {
        List<GeneralSubtree> permitted = new ArrayList<>();
        for (String n : dnsNames) {
            permitted.add(new GeneralSubtree(new GeneralName(GeneralName.dNSName, n)));
        }
        for (byte[] net : networks) {
            permitted.add(new GeneralSubtree(new GeneralName(GeneralName.iPAddress, new DEROctetString(net))));
        }
        NameConstraints nc = new NameConstraints(permitted.toArray(new GeneralSubtree[0]), null);
        return new Extension(Extension.nameConstraints, true, nc.getEncoded());
    }

    /** Whether a certificate from this CA may carry DNS name {@code name} (the name or a subdomain of a permitted one). */
    public boolean permits(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String p : dnsNames) {
            if (n.equals(p) || n.endsWith("." + p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a certificate from this CA may carry address {@code a}. */
    public boolean permits(InetAddress a) {
        byte[] addr = a.getAddress();
        for (byte[] net : networks) {
            if (net.length == 2 * addr.length && inside(addr, net)) {
                return true;
            }
        }
        return false;
    }

    /** "names dotgate.test, localhost; addresses 127.0.0.0/8, ..." for messages. */
    public String describe() {
        List<String> nets = new ArrayList<>();
        for (byte[] net : networks) {
            nets.add(format(net));
        }
        return "names " + String.join(", ", dnsNames) + " (and their subdomains); addresses " + String.join(", ", nets);
    }

    private static boolean inside(byte[] addr, byte[] net) {
        int n = addr.length;
        for (int i = 0; i < n; i++) {
            if ((addr[i] & net[n + i]) != (net[i] & net[n + i])) {
                return false;
            }
        }
        return true;
    }

    private static byte[] exactly(InetAddress a) {
        byte[] addr = a.getAddress();
        byte[] net = new byte[2 * addr.length];
        System.arraycopy(addr, 0, net, 0, addr.length);
        java.util.Arrays.fill(net, addr.length, net.length, (byte) 0xFF);
        return net;
    }

    /** "10.0.0.0/8" as network then mask bytes. */
    static byte[] network(String cidr) {
        int slash = cidr.indexOf('/');
        byte[] addr;
        try {
            addr = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
        int bits = Integer.parseInt(cidr.substring(slash + 1));
        byte[] net = new byte[2 * addr.length];
        for (int i = 0; i < addr.length; i++) {
            int maskBits = Math.max(0, Math.min(8, bits - 8 * i));
            byte mask = (byte) (0xFF00 >>> maskBits);
            net[addr.length + i] = mask;
            net[i] = (byte) (addr[i] & mask);
        }
        return net;
    }

    private static String format(byte[] net) {
        int n = net.length / 2;
        byte[] addr = java.util.Arrays.copyOf(net, n);
        int bits = 0;
        for (int i = n; i < net.length; i++) {
            bits += Integer.bitCount(net[i] & 0xFF);
        }
        try {
            return io.netty.util.NetUtil.toAddressString(InetAddress.getByAddress(addr)) + "/" + bits;
        } catch (UnknownHostException e) {
            return "?";
        }
    }
}
