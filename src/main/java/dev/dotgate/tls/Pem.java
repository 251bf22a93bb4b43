package dev.dotgate.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** Reads and writes certificates and keys as PEM, through Bouncy Castle. */
public final class Pem {
    /** rw-------: private keys. */
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** rw-r--r--: certificates (still behind the owner-only data directory). */
    static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

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
        } catch (RuntimeException e) { // Bouncy Castle's DecoderException and the like: broken base64 or DER
            throw new IOException(file + ": not valid PEM: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no PEM certificate found");
        }
        return out;
    }

    /** The first private key in a PEM file (PKCS#8, or a traditional RSA/EC key). */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            Object o;
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(withCurve(pair.getPrivateKeyInfo()));
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(file + ": not valid PEM: " + e.getMessage(), e);
        }
        throw new IOException(file + ": no unencrypted PEM private key found");
    }

    /** PEM text for certificates and keys; a private key is written as PKCS#8 ("PRIVATE KEY"). */
    public static String toPem(Object... objects) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) {
                if (o instanceof PrivateKey key) {
                    w.writeObject(new JcaPKCS8Generator(key, null));
                } else {
                    w.writeObject(o);
                }
            }
        }
        return sw.toString();
    }

    /**
     * A traditional ("EC PRIVATE KEY") key that does not name its curve gets P-256: earlier dotgate builds wrote their
     * generated keys that way (unreadable even by openssl), and only ever generated P-256 keys.
     */
    private static PrivateKeyInfo withCurve(PrivateKeyInfo info) throws IOException {
        AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())
                && (alg.getParameters() == null || alg.getParameters() instanceof org.bouncycastle.asn1.ASN1Null)) {
            org.bouncycastle.asn1.sec.ECPrivateKey ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                    info.parsePrivateKey());
            return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                    SECObjectIdentifiers.secp256r1), ec);
        }
        return info;
    }

    /**
     * Writes {@code text} atomically: into a new temporary file beside {@code file}, flushed to disk, then renamed
     * over it. With {@code secret} the temporary file is created owner-only (0600) by the same system call that
     * creates it, so the key is never readable by anyone else, not even for an instant; otherwise 0644. Both modes
     * are further narrowed by the umask. On a file system without POSIX permissions the file gets the directory's
     * default access (on Windows the user's own profile directory).
     */
    public static void write(Path file, String text, boolean secret) throws IOException {
        Path tmp = newTempFile(file, secret ? OWNER_ONLY : PUBLIC);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = StandardCharsets.US_ASCII.encode(text);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * A new empty file beside {@code file} with a random name, created with {@code mode} (where the file system has
     * POSIX permissions) atomically: {@code open(O_CREAT | O_EXCL, mode)}, no chmod afterwards.
     */
    static Path newTempFile(Path file, Set<PosixFilePermission> mode) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String prefix = "." + file.getFileName() + ".";
        if (posix(dir)) {
            return Files.createTempFile(dir, prefix, ".tmp", PosixFilePermissions.asFileAttribute(mode));
        }
        return Files.createTempFile(dir, prefix, ".tmp");
    }

    /**
     * Takes group and other permissions off an existing key file (one written by an earlier version, or copied in
     * with a lax mode). Returns the mode it had when it was changed, null when it was already owner-only or the file
     * system has no POSIX permissions.
     */
    public static String makeOwnerOnly(Path file) throws IOException {
        if (!posix(file.toAbsolutePath().getParent())) {
            return null;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        if (mode.stream().noneMatch(GROUP_OR_OTHERS::contains)) {
            return null;
        }
        Set<PosixFilePermission> narrowed = EnumSet.copyOf(mode);
        narrowed.removeAll(GROUP_OR_OTHERS);
        Files.setPosixFilePermissions(file, narrowed);
        return PosixFilePermissions.toString(mode);
    }

    private static boolean posix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
