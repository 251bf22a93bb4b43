package dev.dotgate.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** Reads and writes certificates and keys as PEM, through Bouncy Castle. */
public final class Pem {
    private Pem() {
    }

    /** Every certificate in a PEM file, in file order (leaf first for a chain). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    out.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": unreadable certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no PEM certificate found");
        }
        return out;
    }

    /** The first private key in a PEM file (PKCS#8, or a traditional RSA/EC key). */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return readPrivateKey(file, null);
    }

    /**
     * The first private key in a PEM file. {@code partner}, the public key of the certificate that goes with it
     * (or null), supplies the curve of a SEC1 EC key that names none: dotgate before 0.1 wrote its generated keys
     * that way, and they are read back rather than replaced.
     */
    public static PrivateKey readPrivateKey(Path file, PublicKey partner) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o;
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMKeyPair pair) {
                    if (pair.getPublicKeyInfo() == null && partner instanceof ECPublicKey ec) {
                        return withCurve(pair.getPrivateKeyInfo(), ec.getParams(), file);
                    }
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        }
        throw new IOException(file + ": no unencrypted PEM private key found");
    }

    private static PrivateKey withCurve(PrivateKeyInfo info, ECParameterSpec curve, Path file) throws IOException {
        try {
            BigInteger d = ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
            return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, curve));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + ": unreadable EC private key: " + e.getMessage(), e);
        }
    }

    /** PEM text of certificates and keys; a private key is written as PKCS#8 ("PRIVATE KEY"), curve included. */
    public static String toPem(Object... objects) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) {
                if (o instanceof PrivateKey key) {
                    // Not writeObject(key): Bouncy Castle turns an EC key into SEC1 without its curve.
                    w.writeObject(new JcaPKCS8Generator(key, null));
                } else {
                    w.writeObject(o);
                }
            }
        }
        return sw.toString();
    }

    /** Writes {@code text} atomically; with {@code secret}, readable by the owner only (where POSIX allows). */
    public static void write(Path file, String text, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp);
        if (secret) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the data directory's own permissions protect the key
            }
        }
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII, StandardOpenOption.WRITE)) {
            w.write(text);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
