package dev.dotgate.dnssec;

import java.security.Provider;
import java.security.Security;

/**
 * ECDSA (P-256 and P-384, DNSSEC algorithms 13 and 14, the most common zone keys) verified by Bouncy Castle rather
 * than the JDK: on JDK 17 the SunEC provider takes about 0.9 ms per P-256 verification (measured: 885 µs against
 * Bouncy Castle's 181 µs, 3,000 verifications each after a warm-up), which made a validated forward cost 2 ms of
 * CPU. dnsjava asks the JCA for {@code SHA256withECDSA} by name, so this provider, put first, answers that name
 * and {@code SHA384withECDSA} with {@link EcdsaVerifier} (Bouncy Castle's ECDSA, its keys and verified signatures
 * kept) and nothing else; every other algorithm, and signing, still come from the JDK. Installed once, by the
 * first validating stage.
 */
final class FastSignatures extends Provider {
    static final String NAME = "dotgate-ecdsa";
    private static final long serialVersionUID = 1L;

    private FastSignatures() {
        super(NAME, "1.0", "ECDSA signatures (P-256, P-384) by Bouncy Castle, for DNSSEC validation");
        put("Signature.SHA256withECDSA", EcdsaVerifier.P256.class.getName());
        put("Signature.SHA384withECDSA", EcdsaVerifier.P384.class.getName());
    }

    /** Puts the provider first, once. */
    static synchronized void install() {
        if (Security.getProvider(NAME) == null) {
            Security.insertProviderAt(new FastSignatures(), 1);
        }
    }
}
