package dev.dotgate.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * Reads a user's certificate chain and key from PEM files and checks that they can be served: both parse, and the
 * key belongs to the first certificate (proved by signing a test payload with the key and verifying it with the
 * certificate's public key, which works for RSA, EC and EdDSA keys alike).
 */
public final class IdentityFiles {
    private static final byte[] PROBE = "dotgate key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private IdentityFiles() {
    }

    /**
     * The pair as a {@link ServerIdentity}. With {@code requireValidAt} non-null, a leaf that is expired or not
     * yet valid at that instant is refused too (on a reload, where the running certificate can stay).
     *
     * @throws IdentityException naming the file and the reason
     */
    public static ServerIdentity read(Path certFile, Path keyFile, Instant requireValidAt) throws IdentityException {
        List<X509Certificate> chain;
        try {
            chain = Pem.readCertificates(certFile);
        } catch (IOException e) {
            throw new IdentityException("listen.cert: '" + certFile + "' cannot be read: " + reason(e, certFile)
                    + "; give the PEM certificate chain (leaf first)");
        }
        PrivateKey key;
        try {
            key = Pem.readPrivateKey(keyFile);
        } catch (IOException e) {
            throw new IdentityException("listen.key: '" + keyFile + "' cannot be read: " + reason(e, keyFile)
                    + "; give the unencrypted PEM private key of the certificate");
        }
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            throw new IdentityException("listen.key: '" + keyFile + "' is not the key of the certificate in '"
                    + certFile + "' (" + ChainCheck.describe(leaf) + "); give the key that was issued with it"
                    + " (for certbot: privkey.pem from the same live/ directory)");
        }
        if (requireValidAt != null) {
            if (leaf.getNotAfter().toInstant().isBefore(requireValidAt)) {
                throw new IdentityException("listen.cert: '" + certFile + "' expired on "
                        + leaf.getNotAfter().toInstant() + " (" + ChainCheck.describe(leaf) + "); renew it");
            }
            if (leaf.getNotBefore().toInstant().isAfter(requireValidAt)) {
                throw new IdentityException("listen.cert: '" + certFile + "' is not valid before "
                        + leaf.getNotBefore().toInstant() + " (" + ChainCheck.describe(leaf)
                        + "); check this machine's clock");
            }
        }
        return new ServerIdentity(List.copyOf(chain), key, null);
    }

    /** Whether {@code key} signs what {@code pub} verifies. */
    static boolean matches(PrivateKey key, PublicKey pub) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(PROBE);
            byte[] sig = s.sign();
            s.initVerify(pub);
            s.update(PROBE);
            return s.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // e.g. an RSA key against an EC certificate
        }
    }

    private static String reason(IOException e, Path file) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String prefix = file + ": ";
        if (m.startsWith(prefix)) {
            m = m.substring(prefix.length());
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return m;
    }
}
