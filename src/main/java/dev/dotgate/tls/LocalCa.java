package dev.dotgate.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the gateway's own certificates: a self-signed CA (10 years), limited by name constraints to the gateway's
 * names and private addresses ({@link CaScope}), and leaves it signs (90 days) for the server's names and addresses.
 * EC P-256 keys, SHA-256 signatures; extensions as strict clients (GnuTLS, iOS) require them.
 */
public final class LocalCa {
    static final Duration CA_LIFETIME = Duration.ofDays(3650);
    static final Duration LEAF_LIFETIME = Duration.ofDays(90);
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalCa() {
    }

    public static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    /**
     * A CA that may only vouch for {@code scope} (a critical NameConstraints extension). The gateway's own CA is
     * always made this way.
     */
    public static X509Certificate newCa(KeyPair keys, String commonName, CaScope scope)
            throws GeneralSecurityException, IOException {
        return newCa(keys, commonName, scope.extension());
    }

    /**
     * A CA without name constraints, that can vouch for any name: for tests that need one for arbitrary names (as a
     * user's own CA would be), never for the gateway's identity.
     */
    public static X509Certificate newCa(KeyPair keys, String commonName) throws GeneralSecurityException, IOException {
        return newCa(keys, commonName, (Extension) null);
    }

    private static X509Certificate newCa(KeyPair keys, String commonName, Extension constraints)
            throws GeneralSecurityException, IOException {
        X500Name subject = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_LIFETIME)), subject, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        if (constraints != null) {
            b.addExtension(constraints);
        }
        return sign(b, keys.getPrivate());
    }

    /**
     * A server certificate for {@code dnsNames} and {@code addresses}, signed by the CA. The first DNS name is also
     * the subject's CN (clients check the subjectAltNames; the CN is for people reading it).
     */
    public static X509Certificate newLeaf(PublicKey leafKey, X509Certificate ca, PrivateKey caKey,
            List<String> dnsNames, List<InetAddress> addresses) throws GeneralSecurityException, IOException {
        Instant now = Instant.now();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X500Name issuer = X500Name.getInstance(ca.getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(LEAF_LIFETIME)),
                new X500Name("CN=" + dnsNames.get(0)), leafKey);
        GeneralName[] names = new GeneralName[dnsNames.size() + addresses.size()];
        int i = 0;
        for (String n : dnsNames) {
            names[i++] = new GeneralName(GeneralName.dNSName, n);
        }
        for (InetAddress a : addresses) {
            names[i++] = new GeneralName(GeneralName.iPAddress, a.getHostAddress());
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leafKey));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        return sign(b, caKey);
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
