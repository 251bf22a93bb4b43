package dev.dotgate.upstream;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * An upstream's SPKI pin set (RFC 7858 section 4.2, Stubby's {@code tls_pubkey_pinset}): the base64 SHA-256 hashes
 * of the SubjectPublicKeyInfo its server may present, checked on the leaf certificate once the handshake (and its
 * chain and name check) succeeded. An empty set accepts any key the chain vouches for.
 */
final class KeyPins {
    private final List<String> pins;

    KeyPins(List<String> pins) {
        this.pins = List.copyOf(pins);
    }

    boolean isEmpty() {
        return pins.isEmpty();
    }

    /**
     * Null when {@code session}'s leaf key is pinned (or nothing is pinned); else why not, naming the hash of the
     * key presented.
     */
    String mismatch(SSLSession session) {
        if (pins.isEmpty()) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return "no certificate to check against the pins";
        }
        String presented = hash(chain[0].getPublicKey().getEncoded());
        return pins.contains(presented) ? null : "the server's key (pin_sha256 \"" + presented
                + "\") matches none of the pins " + pins;
    }

    /** The base64 SHA-256 of an encoded SubjectPublicKeyInfo. */
    static String hash(byte[] spki) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }
}
