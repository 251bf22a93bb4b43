package dev.dotgate.onboard;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The DNS names a server certificate carries, and whether one of them covers a name (RFC 6125, one-label wildcards). */
public final class CertificateNames {
    private CertificateNames() {
    }

    /** The subjectAltName dNSName entries, lower case. */
    public static List<String> dnsNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if ((Integer) san.get(0) == 2 && san.get(1) instanceof String s) {
                        out.add(s.toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return out;
        }
        return out;
    }

    /** Whether {@code cert} names {@code name}, exactly or through a {@code *.} wildcard for its first label. */
    public static boolean covers(X509Certificate cert, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String san : dnsNames(cert)) {
            if (san.equals(n)) {
                return true;
            }
            int dot = n.indexOf('.');
            if (san.startsWith("*.") && dot > 0 && n.substring(dot + 1).equals(san.substring(2))) {
                return true;
            }
        }
        return false;
    }
}
