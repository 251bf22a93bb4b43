package dev.dotgate.dnssec;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;

/**
 * ECDSA verification for DNSSEC ({@link FastSignatures}): Bouncy Castle's ECDSA on the key's curve, with two
 * caches. A zone key's Bouncy Castle form is kept per key object (dnsjava keeps one per DNSKEY it holds), so the
 * point's precomputed multiples are made once, not at every signature. And a signature that verified is
 * remembered (by key, digest and signature, 8,192 at most): the same RRset with the same RRSIG comes again and
 * again (the NSEC of a wildcard proves every name under it, a record is fetched again when its TTL runs out while
 * its signature is still valid, DO and non-DO clients are answered apart); the RRSIG's validity period is checked
 * by dnsjava each time, before it asks here. Verify only: signing through this provider is refused at
 * {@code initSign}, so the JCA goes on to the next provider.
 */
public class EcdsaVerifier extends SignatureSpi {
    private static final Cache<PublicKey, ECPublicKeyParameters> KEYS = Caffeine.newBuilder().weakKeys()
            .maximumSize(4096).build();
    private static final Cache<ByteBuffer, Boolean> VERIFIED = Caffeine.newBuilder().maximumSize(8192).build();

    private final MessageDigest digest;
    private PublicKey publicKey;
    private ECPublicKeyParameters key;

    EcdsaVerifier(String digestAlgorithm) {
        try {
            this.digest = MessageDigest.getInstance(digestAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA256withECDSA. */
    public static final class P256 extends EcdsaVerifier {
        public P256() {
            super("SHA-256");
        }
    }

    /** SHA384withECDSA. */
    public static final class P384 extends EcdsaVerifier {
        public P384() {
            super("SHA-384");
        }
    }

    @Override
    protected void engineInitVerify(PublicKey pk) throws InvalidKeyException {
        ECPublicKeyParameters p = KEYS.getIfPresent(pk);
        if (p == null) {
            p = (ECPublicKeyParameters) ECUtil.generatePublicKeyParameter(pk);
            KEYS.put(pk, p);
        }
        this.publicKey = pk;
        this.key = p;
        digest.reset();
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        throw new InvalidKeyException("verification only");
    }

    @Override
    protected void engineUpdate(byte b) {
        digest.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) {
        digest.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        throw new SignatureException("verification only");
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        if (key == null) {
            throw new SignatureException("not initialised for verification");
        }
        byte[] hash = digest.digest();
        byte[] encoded = publicKey.getEncoded();
        ByteBuffer id = ByteBuffer.allocate(encoded.length + hash.length + sigBytes.length).put(encoded).put(hash)
                .put(sigBytes).flip();
        if (VERIFIED.getIfPresent(id) != null) {
            return true;
        }
        BigInteger[] rs;
        try {
            rs = StandardDSAEncoding.INSTANCE.decode(key.getParameters().getN(), sigBytes);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new SignatureException("malformed ECDSA signature: " + e.getMessage(), e);
        }
        ECDSASigner signer = new ECDSASigner();
        signer.init(false, key);
        boolean ok = signer.verifySignature(hash, rs[0], rs[1]);
        if (ok) {
            VERIFIED.put(id, Boolean.TRUE);
        }
        return ok;
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new UnsupportedOperationException();
    }
}
