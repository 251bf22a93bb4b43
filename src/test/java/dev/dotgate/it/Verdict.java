package dev.dotgate.it;

/**
 * What a DNSSEC validator concludes about an answer (RFC 4035 section 4.3): proven by a chain of signatures from
 * the trust anchor ({@link #SECURE}, for a positive answer as for a proven NXDOMAIN or NODATA), proven to come
 * from an unsigned zone ({@link #INSECURE}), or failing validation although a chain says it should pass
 * ({@link #BOGUS}: a bad, expired or not yet valid signature, or a missing one).
 */
public enum Verdict {
    SECURE,
    INSECURE,
    BOGUS
}
