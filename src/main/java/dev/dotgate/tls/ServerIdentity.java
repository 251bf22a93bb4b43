package dev.dotgate.tls;

import dev.dotgate.config.DataDirs;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate chain and key the DoT listener presents. Either loaded from the user's PEM files (see
 * {@link IdentityFiles}, kept current by {@link CertificateReloader}), or issued by
 * a local CA kept in the data directory: {@code ca.pem} and {@code ca-key.pem} (created once), {@code server.pem}
 * ([leaf, CA]) and {@code server-key.pem}, reissued when missing, due to expire within 30 days, or no longer
 * naming every current name and address the CA may vouch for ({@link CaScope}; see {@link LocalCaFiles} for when
 * the CA itself is replaced). The data directory and the key files are owner-only ({@link DataDirs#prepare},
 * {@link Pem#write}).
 *
 * @param chain leaf first
 * @param caFile the CA file clients should trust, or null for user-supplied certificates
 */
public record ServerIdentity(List<X509Certificate> chain, PrivateKey key, Path caFile) {
    private static final Logger log = LoggerFactory.getLogger(ServerIdentity.class);
    public static final Duration RENEW_BEFORE = Duration.ofDays(30);

    /** Loads the generated identity from {@code dataDir}, issuing what is missing or stale. */
    public static ServerIdentity generated(Path dataDir, String serverName) throws IOException, GeneralSecurityException {
        DataDirs.prepare(dataDir);
        Path caFile = dataDir.resolve(LocalCaFiles.CA);
        Path leafFile = dataDir.resolve("server.pem");
        Path leafKeyFile = dataDir.resolve("server-key.pem");
        for (Path keyFile : List.of(dataDir.resolve(LocalCaFiles.CA_KEY), leafKeyFile)) {
            String was = Files.exists(keyFile) ? Pem.makeOwnerOnly(keyFile) : null;
            if (was != null) {
                log.warn("{} was open to group or others ({}); made it owner-only", keyFile, was);
            }
        }

        List<String> wantedNames = dnsNames(serverName);
        List<InetAddress> wantedAddresses = addresses();
        LocalCaFiles ca = LocalCaFiles.load(dataDir, serverName, wantedNames, wantedAddresses);
        List<String> dnsNames = wantedNames.stream().filter(ca.scope()::permits).toList();
        List<InetAddress> addresses = wantedAddresses.stream().filter(ca.scope()::permits).toList();
        if (Files.exists(leafFile) && Files.exists(leafKeyFile)) {
            List<X509Certificate> chain = Pem.readCertificates(leafFile);
            if (current(chain.get(0), ca.cert(), dnsNames, addresses)) {
                return new ServerIdentity(chain, Pem.readPrivateKey(leafKeyFile), caFile);
            }
        }
        KeyPair leafKeys = LocalCa.newKeyPair();
        X509Certificate leaf = LocalCa.newLeaf(leafKeys.getPublic(), ca.cert(), ca.key(), dnsNames, addresses);
        Pem.write(leafKeyFile, Pem.toPem(leafKeys.getPrivate()), true);
        Pem.write(leafFile, Pem.toPem(leaf, ca.cert()), false);
        log.info("issued a server certificate for {} {} valid until {}", dnsNames, addresses.stream()
                .map(io.netty.util.NetUtil::toAddressString).toList(), leaf.getNotAfter().toInstant());
        List<String> left = new ArrayList<>(wantedNames);
        left.removeAll(dnsNames);
        wantedAddresses.stream().filter(a -> !addresses.contains(a)).map(io.netty.util.NetUtil::toAddressString)
                .forEach(left::add);
        if (!left.isEmpty()) {
            log.info("left {} out of the server certificate: the local CA may only vouch for {} (clients that reach "
                    + "the gateway by those names or addresses cannot verify it; by the server name they can)",
                    left, ca.scope().describe());
        }
        return new ServerIdentity(List.of(leaf, ca.cert()), leafKeys.getPrivate(), caFile);
    }

    /** Whether a generated identity is due for renewal. */
    public boolean expiresWithin(Duration d) {
        return chain.get(0).getNotAfter().toInstant().isBefore(Instant.now().plus(d));
    }

    private static boolean current(X509Certificate leaf, X509Certificate ca, List<String> dnsNames,
            List<InetAddress> addresses) {
        try {
            leaf.verify(ca.getPublicKey());
            if (leaf.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) {
                return false;
            }
            Set<String> want = new TreeSet<>();
            dnsNames.forEach(n -> want.add("2:" + n));
            addresses.forEach(a -> want.add("7:" + a.getHostAddress()));
            Set<String> have = new TreeSet<>();
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object v = san.get(1);
                    String text = v instanceof String s ? s : String.valueOf(v);
                    if ((Integer) san.get(0) == 7) {
                        text = InetAddress.getByName(text).getHostAddress();
                    }
                    have.add(san.get(0) + ":" + text);
                }
            }
            return have.equals(want);
        } catch (GeneralSecurityException | IOException e) {
            return false;
        }
    }

    /** This host's name (when it is a valid host name) then localhost: candidates for the default server name. */
    public static List<String> defaultNames() {
        List<String> names = dnsNames("localhost");
        names.remove("localhost");
        names.add("localhost");
        return names;
    }

    /** The server name, localhost and this host's name; no wildcards, only valid host names. */
    static List<String> dnsNames(String serverName) {
        Set<String> names = new LinkedHashSet<>();
        names.add(serverName.toLowerCase(Locale.ROOT));
        names.add("localhost");
        String host = hostName();
        if (host != null) {
            names.add(host.toLowerCase(Locale.ROOT));
        }
        names.removeIf(n -> !n.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"));
        return new ArrayList<>(names);
    }

    private static String hostName() {
        return dev.dotgate.config.HostNames.local();
    }

    /** Loopback (127.0.0.1, ::1) and every other address of this machine but link-local ones. */
    static List<InetAddress> addresses() throws IOException {
        Set<String> seen = new LinkedHashSet<>();
        List<InetAddress> out = new ArrayList<>();
        List<InetAddress> candidates = new ArrayList<>();
        candidates.add(InetAddress.getByName("127.0.0.1"));
        candidates.add(InetAddress.getByName("::1"));
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isUp()) {
                    candidates.addAll(Collections.list(nif.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            log.debug("cannot list network interfaces: {}", e.getMessage());
        }
        for (InetAddress a : candidates) {
            if (a.isLinkLocalAddress()) {
                continue;
            }
            InetAddress plain = a instanceof Inet6Address ? InetAddress.getByAddress(a.getAddress()) : a;
            if (seen.add(plain.getHostAddress())) {
                out.add(plain);
            }
        }
        return out;
    }
}
