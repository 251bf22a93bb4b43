package dev.dotgate.dnssec;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;

/** dnsjava's ECDSA verifications go to Bouncy Castle once the provider is in, and still verify (and refuse). */
class FastSignaturesTest {
    @Test
    void dnsjavaVerifiesEcdsaThroughTheFasterProvider() throws Exception {
        FastSignatures.install();
        assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName()).isEqualTo(FastSignatures.NAME);
        assertThat(Signature.getInstance("SHA384withECDSA").getProvider().getName()).isEqualTo(FastSignatures.NAME);
        assertThat(Signature.getInstance("SHA256withRSA").getProvider().getName()).isNotEqualTo(FastSignatures.NAME);

        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        Name zone = Name.fromString("example.");
        DNSKEYRecord key = new DNSKEYRecord(zone, DClass.IN, 300, 257, DNSKEYRecord.Protocol.DNSSEC,
                DNSSEC.Algorithm.ECDSAP256SHA256, pair.getPublic());
        RRset set = new RRset(new ARecord(Name.fromString("www.example."), DClass.IN, 300,
                java.net.InetAddress.getByName("192.0.2.1")));
        Instant now = Instant.now();
        RRSIGRecord sig = DNSSEC.sign(set, key, pair.getPrivate(), now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofHours(1)));
        DNSSEC.verify(set, sig, key, now);
        RRset other = new RRset(new ARecord(Name.fromString("www.example."), DClass.IN, 300,
                java.net.InetAddress.getByName("192.0.2.2")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DNSSEC.verify(other, sig, key, now))
                .isInstanceOf(DNSSEC.SignatureVerificationException.class);
        DNSSEC.verify(set, sig, key, now); // again: remembered
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DNSSEC.verify(other, sig, key, now))
                .as("a refusal is not remembered as a success").isInstanceOf(
                        DNSSEC.SignatureVerificationException.class);
        // Signing still works (the JDK signs: this provider refuses at initSign and the JCA moves on).
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(new byte[] {1, 2, 3});
        byte[] der = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(pair.getPublic());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(der)).isTrue();
        assertThat(verifier.getProvider().getName()).isEqualTo(FastSignatures.NAME);
    }
}
