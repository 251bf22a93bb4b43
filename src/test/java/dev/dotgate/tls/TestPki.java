package dev.dotgate.tls;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates: CAs from {@link LocalCa}, plus what it does not make (an intermediate CA, a leaf with a
 * chosen validity), and PEM files for them.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A certificate and its key. */
    public record Issued(X509Certificate cert, KeyPair keys) {
        public PrivateKey key() {
            return keys.getPrivate();
        }
    }

    private TestPki() {
    }

    public static Issued root(String cn) throws Exception {
        KeyPair k = LocalCa.newKeyPair();
        return new Issued(LocalCa.newCa(k, cn), k);
    }

    public static Issued intermediate(String cn, Issued issuer) throws Exception {
        KeyPair k = LocalCa.newKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded()), serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))),
                new X500Name("CN=" + cn), k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new Issued(sign(b, issuer.key()), k);
    }

    /** A server certificate from {@link LocalCa#newLeaf} for {@code names} and 127.0.0.1. */
    public static Issued leaf(Issued issuer, String... names) throws Exception {
        KeyPair k = LocalCa.newKeyPair();
        return new Issued(LocalCa.newLeaf(k.getPublic(), issuer.cert(), issuer.key(), List.of(names),
                List.of(InetAddress.getByName("127.0.0.1"))), k);
    }

    /** A server certificate valid from {@code notBefore} to {@code notAfter}. */
    public static Issued leaf(Issued issuer, Instant notBefore, Instant notAfter, String name) throws Exception {
        KeyPair k = LocalCa.newKeyPair();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded()), serial(),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + name), k.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
        return new Issued(sign(b, issuer.key()), k);
    }

    /** Writes {@code chain} to {@code certFile} and {@code key} to {@code keyFile}, each atomically. */
    public static void write(Path certFile, Path keyFile, PrivateKey key, X509Certificate... chain) throws Exception {
        Pem.write(certFile, Pem.toPem((Object[]) chain), false);
        Pem.write(keyFile, Pem.toPem(key), true);
    }

    public static void writeCa(Path file, Issued ca) throws Exception {
        Pem.write(file, Pem.toPem(ca.cert()), false);
    }

    public static PublicKey pub(Issued i) {
        return i.cert().getPublicKey();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }
}
