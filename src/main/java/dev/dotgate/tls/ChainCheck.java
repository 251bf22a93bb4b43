package dev.dotgate.tls;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Finds what would stop a client from accepting a user-supplied chain, as warnings that say what to do: each
 * certificate must be signed by the one after it (leaf first); the last one must be self-signed or issued by a
 * CA in the JVM's default trust store, or a client that only knows the public roots cannot build a path (the
 * classic mistake is certbot's {@code cert.pem} instead of {@code fullchain.pem}); every certificate must be
 * valid now; and {@code server_name} must be among the leaf's DNS names (RFC 6125, a wildcard standing for
 * exactly one whole left-most label). Never fails: a chain meant for clients that trust a private CA directly
 * draws a warning it can ignore.
 */
public final class ChainCheck {
    private static final int SAN_DNS = 2;
    private static final String FULLCHAIN =
            "use the full chain, leaf first, then each intermediate (for certbot: fullchain.pem, not cert.pem)";

    private ChainCheck() {
    }

    /** Warnings for {@code chain} against the JVM's default trust store, now. */
    public static List<String> warnings(List<X509Certificate> chain, String serverName) {
        return warnings(chain, serverName, Instant.now(), SystemTrust.anchors());
    }

    /** Warnings for {@code chain} (leaf first) against {@code anchors} at {@code now}; empty when it is fine. */
    public static List<String> warnings(List<X509Certificate> chain, String serverName, Instant now,
            Collection<X509Certificate> anchors) {
        List<String> out = new ArrayList<>();
        boolean linked = true;
        boolean disorderReported = false;
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate next = chain.get(i + 1);
            if (signedBy(cert, next)) {
                continue;
            }
            linked = false;
            if (issuerElsewhere(chain, i) || signedBy(next, cert)) {
                if (!disorderReported) {
                    disorderReported = true;
                    out.add("the chain is out of order: certificate " + (i + 1) + " (" + describe(cert)
                            + ") is followed by " + describe(next) + ", which did not sign it; put the server's "
                            + "certificate first, then each issuer right after the certificate it signed (for "
                            + "certbot: fullchain.pem)");
                }
            } else {
                out.add("certificate " + (i + 1) + " (" + describe(cert) + ") was issued by "
                        + cert.getIssuerX500Principal().getName() + ", which the chain does not contain (it is "
                        + "followed by " + describe(next) + "): an intermediate is missing; " + FULLCHAIN);
            }
        }
        X509Certificate last = chain.get(chain.size() - 1);
        if (linked && !signedBy(last, last) && !issuedByAnchor(last, anchors)) {
            out.add("the last certificate (" + describe(last) + ") was issued by "
                    + last.getIssuerX500Principal().getName() + ", which is neither in the chain nor a CA this "
                    + "machine trusts by default: clients that only know the public roots cannot verify it; "
                    + FULLCHAIN + " (ignore this if every client trusts that CA directly)");
        }
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            String which = i == 0 ? "the server certificate" : "certificate " + (i + 1);
            if (c.getNotAfter().toInstant().isBefore(now)) {
                out.add(which + " (" + describe(c) + ") expired on " + c.getNotAfter().toInstant()
                        + ": clients will refuse it; renew it (certbot renew) or replace the file");
            } else if (c.getNotBefore().toInstant().isAfter(now)) {
                out.add(which + " (" + describe(c) + ") is not valid before " + c.getNotBefore().toInstant()
                        + ": clients will refuse it; check this machine's clock");
            }
        }
        List<String> names = dnsNames(chain.get(0));
        boolean firstIsCa = chain.get(0).getBasicConstraints() >= 0; // misordered: said above
        if (serverName != null && !firstIsCa && names.stream().noneMatch(p -> nameMatches(p, serverName))) {
            out.add("server_name '" + serverName + "' is not among the certificate's DNS names " + names
                    + ": clients (Android Private DNS, DDR) verify that name; set server_name to one of them, or get"
                    + " a certificate for '" + serverName + "'");
        }
        return out;
    }

    /**
     * Whether a certificate's DNS name {@code pattern} covers {@code host} (RFC 6125 §6.4): case-insensitive,
     * a trailing dot ignored, and {@code *} only as the whole left-most label, matching exactly one label
     * ({@code *.example.com} covers {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}).
     */
    public static boolean nameMatches(String pattern, String host) {
        String p = trimDot(pattern).toLowerCase(Locale.ROOT);
        String h = trimDot(host).toLowerCase(Locale.ROOT);
        if (!p.startsWith("*.")) {
            return !p.contains("*") && p.equals(h);
        }
        String suffix = p.substring(1); // ".example.com"
        if (suffix.contains("*") || suffix.indexOf('.', 1) < 0) {
            return false; // no wildcard spanning a public suffix like *.com
        }
        int dot = h.indexOf('.');
        return dot > 0 && h.substring(dot).equals(suffix);
    }

    /** Whether one of {@code cert}'s DNS names covers {@code host} ({@link #nameMatches}). */
    public static boolean names(X509Certificate cert, String host) {
        return dnsNames(cert).stream().anyMatch(p -> nameMatches(p, host));
    }

    /** "CN=..., serial ..., until ..." for messages. */
    public static String describe(X509Certificate c) {
        return c.getSubjectX500Principal().getName() + ", serial " + c.getSerialNumber().toString(16)
                + ", valid until " + c.getNotAfter().toInstant();
    }

    /** The certificate's subjectAltName dNSName entries, as written. */
    public static List<String> dnsNames(X509Certificate c) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if ((Integer) san.get(0) == SAN_DNS) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no readable SAN: no names
        }
        return out;
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static boolean issuerElsewhere(List<X509Certificate> chain, int i) {
        for (int k = 0; k < chain.size(); k++) {
            if (k != i && k != i + 1 && signedBy(chain.get(i), chain.get(k))) {
                return true;
            }
        }
        return false;
    }

    private static boolean issuedByAnchor(X509Certificate cert, Collection<X509Certificate> anchors) {
        for (X509Certificate a : anchors) {
            if (signedBy(cert, a)) {
                return true;
            }
        }
        return false;
    }

    private static String trimDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
