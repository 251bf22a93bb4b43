package dev.dotgate.onboard;

import dev.dotgate.config.DataDirs;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.tls.CaScope;
import dev.dotgate.tls.ChainCheck;
import dev.dotgate.tls.Pem;
import dev.dotgate.tls.ServerIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The profile for a gateway's configuration: its local CA (read from {@code DATA_DIR/ca.pem}, created through
 * {@link ServerIdentity#generated} when missing) or none when {@code listen.cert} is the user's own, the server name,
 * and the DoT or DoH addresses; plus what the user should know (warnings). Reading an existing CA never touches the
 * running gateway's certificate files; a CA without name constraints (from an earlier dotgate, not yet replaced by
 * {@code dotgate run}) is refused.
 *
 * @param profile  the profile to serve
 * @param caFile   the CA file that went into the profile, or null for the user's own certificate
 * @param warnings one line each
 */
public record PhoneProfile(MobileConfig profile, Path caFile, List<String> warnings) {

    public static PhoneProfile of(GatewayConfig cfg, PhoneTargets targets) throws IOException, GeneralSecurityException {
        List<String> warnings = new ArrayList<>(targets.warnings());
        String name = cfg.serverName();
        X509Certificate ca = null;
        Path caFile = null;
        X509Certificate leaf = null;
        String leafSource;
        if (cfg.listen().cert() != null) {
            leaf = Pem.readCertificates(cfg.listen().cert()).get(0);
            leafSource = "listen.cert (" + cfg.listen().cert() + ")";
            warnings.add("the gateway's certificate is your own (" + cfg.listen().cert() + "): the profile installs no CA, "
                    + "so the phone must already trust the CA that issued it");
        } else {
            caFile = cfg.dataDir().resolve("ca.pem");
            Path leafFile = cfg.dataDir().resolve("server.pem");
            if (Files.exists(caFile)) { // only read: the gateway's CA and certificate are its own business
                ca = Pem.readCertificates(caFile).get(0);
                if (CaScope.of(ca) == null) {
                    throw new IOException(caFile + " is a local CA made by an earlier dotgate, without name "
                            + "constraints: a device trusting it would trust it for every site, so it does not go "
                            + "into a profile; restart `dotgate run` with this version (it replaces that CA once, "
                            + "with one limited to the gateway's names and private addresses), then run setup-phone"
                            + " again");
                }
                leaf = Files.exists(leafFile) ? Pem.readCertificates(leafFile).get(0) : null;
            } else {
                List<X509Certificate> chain = ServerIdentity.generated(cfg.dataDir(), name).chain();
                ca = chain.get(chain.size() - 1);
                leaf = chain.get(0);
            }
            leafSource = leafFile.toString();
            warnings.add("the profile makes the dotgate CA a trusted root on the device; its X.509 name constraints "
                    + "limit it to " + CaScope.of(ca).describe() + ", so whoever holds "
                    + cfg.dataDir().resolve("ca-key.pem") + " could impersonate those names and any server on those "
                    + "private addresses (a router's admin page, say) to the device, though no other site; keep that "
                    + "file private (it is owner-only) and the machine trusted, or use a publicly trusted "
                    + "certificate with --cert/--key instead (see Android in the README)");
        }
        if (leaf != null && !ChainCheck.names(leaf, name)) {
            warnings.add("the gateway's certificate (" + leafSource + ") does not name '" + name + "' (it names "
                    + String.join(", ", ChainCheck.dnsNames(leaf)) + "): the phone will refuse the connection; "
                    + (ca != null ? "restart `dotgate run` with server_name / --server-name " + name
                            + " so it is issued again, or pick one of those names with --server-name"
                            : "pick one of those names with --server-name"));
        }
        String seed = cfg.dataDir().toAbsolutePath().normalize().toString();
        return new PhoneProfile(new MobileConfig(name, targets.transport(), targets.port(), targets.addresses(), ca,
                seed), caFile, List.copyOf(warnings));
    }

    /** Writes the profile to {@code DATA_DIR/dotgate.mobileconfig} and returns that path. */
    public Path write(Path dataDir) throws IOException {
        DataDirs.prepare(dataDir);
        Path file = dataDir.resolve(MobileConfig.FILE_NAME);
        Path tmp = file.resolveSibling(MobileConfig.FILE_NAME + ".tmp");
        Files.write(tmp, profile.toBytes());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return file;
    }
}
