package dev.dotgate.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local CA in the data directory, {@code ca.pem} and {@code ca-key.pem}: read when it is there and fit for use,
 * otherwise made (again). A CA that cannot serve is replaced once, at start, with a warning that tells the user to
 * set their devices up again: one made by an earlier dotgate without name constraints (it could vouch for any
 * site), one whose constraints do not cover the server name (server_name changed), or one whose key file holds
 * another key. The replaced certificate is kept beside it as {@code ca.pem.unconstrained-<UTC time>} (or
 * {@code ca.pem.replaced-<UTC time>}), to recognise it on devices; its key is not kept, since a CA that is no longer
 * used can only do harm.
 *
 * @param cert  the CA certificate
 * @param key   its private key
 * @param scope what it may vouch for
 */
record LocalCaFiles(X509Certificate cert, PrivateKey key, CaScope scope) {
    private static final Logger log = LoggerFactory.getLogger(LocalCaFiles.class);
    static final String CA = "ca.pem";
    static final String CA_KEY = "ca-key.pem";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * The CA for the gateway {@code serverName}, whose certificates carry {@code dnsNames} (the server name first,
     * when it is a valid host name) and {@code addresses}; a new one is limited to those ({@link CaScope#forNames}).
     */
    static LocalCaFiles load(Path dataDir, String serverName, List<String> dnsNames, List<InetAddress> addresses)
            throws IOException, GeneralSecurityException {
        Path caFile = dataDir.resolve(CA);
        Path caKeyFile = dataDir.resolve(CA_KEY);
        if (!Files.exists(caFile) || !Files.exists(caKeyFile)) {
            LocalCaFiles made = create(dataDir, serverName, dnsNames, addresses);
            log.info("created a local CA in {} for {}; clients that should trust this gateway import that file",
                    caFile, made.scope.describe());
            return made;
        }
        X509Certificate ca = Pem.readCertificates(caFile).get(0);
        PrivateKey key = Pem.readPrivateKey(caKeyFile);
        CaScope scope = CaScope.of(ca);
        String problem;
        String tag = "replaced";
        if (scope == null) {
            problem = "it was made by an earlier dotgate without name constraints, so whoever read " + caKeyFile
                    + " could impersonate any HTTPS site to the devices that trust it";
            tag = "unconstrained";
        } else if (!scope.permits(dnsNames.get(0))) {
            problem = "it may only vouch for " + scope.describe() + ", not for the server name '" + dnsNames.get(0)
                    + "'";
        } else if (!IdentityFiles.matches(key, ca.getPublicKey())) {
            problem = caKeyFile + " is not the key of " + caFile;
        } else {
            return new LocalCaFiles(ca, key, scope);
        }
        Path aside = aside(dataDir, CA + "." + tag + "-" + STAMP.format(Instant.now()));
        Pem.write(aside, Pem.toPem(ca), false);
        LocalCaFiles made = create(dataDir, serverName, dnsNames, addresses); // renamed over the old key and certificate
        log.warn("replaced the local CA in {}: {}. The new one may only vouch for {}. Devices that trusted the old one "
                + "no longer accept this gateway: run `dotgate setup-phone` and install the profile again on each phone"
                + " (it replaces the old profile and its CA; on iOS turn on full trust for the new CA again), and import"
                + " the new {} wherever the old one was imported by hand, removing the old one there. The old "
                + "certificate is kept as {}; its key is deleted.", dataDir, problem, made.scope.describe(), caFile,
                aside);
        return made;
    }

    private static LocalCaFiles create(Path dataDir, String serverName, List<String> dnsNames,
            List<InetAddress> addresses) throws IOException, GeneralSecurityException {
        CaScope scope = CaScope.forNames(dnsNames, addresses);
        KeyPair keys = LocalCa.newKeyPair();
        X509Certificate ca = LocalCa.newCa(keys, "dotgate local CA " + serverName, scope);
        Pem.write(dataDir.resolve(CA_KEY), Pem.toPem(keys.getPrivate()), true);
        Pem.write(dataDir.resolve(CA), Pem.toPem(ca), false);
        return new LocalCaFiles(ca, keys.getPrivate(), scope);
    }

    /** {@code name}, or {@code name.2}, {@code name.3} ... when it is taken (two replacements in one second). */
    private static Path aside(Path dataDir, String name) {
        Path p = dataDir.resolve(name);
        for (int i = 2; Files.exists(p); i++) {
            p = dataDir.resolve(name + "." + i);
        }
        return p;
    }
}
