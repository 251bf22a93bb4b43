package dev.dotgate.onboard;

import static java.util.Objects.requireNonNull;

import dev.dotgate.resolve.Transport;
import dev.dotgate.server.doh.DohSettings;
import dev.dotgate.tls.CaScope;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * An Apple configuration profile ({@code .mobileconfig}) for iOS, iPadOS and macOS: a {@code Configuration} whose
 * payloads are the gateway's local CA as a trusted root ({@code com.apple.security.root}, DER data) and the
 * encrypted DNS settings ({@code com.apple.dnsSettings.managed}): DNS-over-TLS to {@code serverAddresses}, the
 * certificate checked for {@code serverName} (Apple devices always use port 853), or DNS-over-HTTPS to
 * {@code https://serverName:port/dns-query} at {@code serverAddresses} (any port).
 *
 * <p>UUIDs are derived from {@code seed} (the data directory) and the content, so building the same profile twice
 * gives the same file, and a changed CA, name, protocol or address gives new UUIDs.
 *
 * @param serverName      the TLS name the device checks in the gateway's certificate
 * @param transport       {@link Transport#DOT} or {@link Transport#DOH}
 * @param port            the DoH port (in the URL); for DoT always 853
 * @param serverAddresses where the device sends its queries
 * @param ca              the root to install, or null when the certificate comes from a CA the device trusts
 * @param seed            what makes the UUIDs differ between gateways (the data directory's path)
 */
public record MobileConfig(String serverName, Transport transport, int port, List<InetAddress> serverAddresses,
        X509Certificate ca, String seed) {
    public static final String CONTENT_TYPE = "application/x-apple-aspen-config";
    public static final String FILE_NAME = "dotgate.mobileconfig";
    public static final String CA_FILE_NAME = "dotgate-ca.cer";

    public MobileConfig {
        requireNonNull(serverName, "serverName");
        requireNonNull(seed, "seed");
        if (transport != Transport.DOT && transport != Transport.DOH) {
            throw new IllegalArgumentException("a phone profile speaks DNS-over-TLS or DNS-over-HTTPS, not "
                    + transport);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a port");
        }
        serverAddresses = List.copyOf(serverAddresses);
        if (serverAddresses.isEmpty()) {
            throw new IllegalArgumentException("a DNS settings payload needs at least one server address");
        }
    }

    /** "DNS-over-TLS" or "DNS-over-HTTPS". */
    public String protocolName() {
        return transport == Transport.DOH ? "DNS-over-HTTPS" : "DNS-over-TLS";
    }

    /** The DoH URL the device asks ({@code https://NAME[:PORT]/dns-query}), or null for DoT. */
    public String serverUrl() {
        if (transport != Transport.DOH) {
            return null;
        }
        return "https://" + serverName + (port == 443 ? "" : ":" + port) + DohSettings.PATH;
    }

    /** What the device asks: the DoH URL, or for DoT the server name. */
    public String endpoint() {
        return transport == Transport.DOH ? serverUrl() : serverName;
    }

    /** The identifier of the whole profile; installing a profile with the same one replaces it. */
    public String identifier() {
        return "dev.dotgate." + serverName.toLowerCase(Locale.ROOT);
    }

    /** The profile as nested plist values (see {@link PlistWriter}). */
    public Map<String, Object> toPlist() {
        List<Object> payloads = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        if (ca != null) {
            byte[] der = der(ca);
            Map<String, Object> root = payload("com.apple.security.root", identifier() + ".ca",
                    "dotgate local CA", uuid("ca", hex(der)));
            root.put("PayloadDescription", "The certificate authority of the dotgate gateway " + serverName
                    + "; it issued the gateway's " + protocolName() + " certificate"
                    + (CaScope.of(ca) != null ? ", and its name constraints keep it to the gateway's names and "
                            + "private network addresses." : "."));
            root.put("PayloadCertificateFileName", CA_FILE_NAME);
            root.put("PayloadContent", der);
            payloads.add(root);
            content.append(hex(der));
        }
        List<String> addresses = serverAddresses.stream().map(io.netty.util.NetUtil::toAddressString).toList();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("DNSProtocol", transport == Transport.DOH ? "HTTPS" : "TLS");
        if (transport == Transport.DOH) {
            settings.put("ServerURL", serverUrl());
        } else {
            settings.put("ServerName", serverName);
        }
        settings.put("ServerAddresses", addresses);
        String dnsKey = endpoint() + " " + addresses;
        Map<String, Object> dns = payload("com.apple.dnsSettings.managed", identifier() + ".dns",
                "Encrypted DNS via " + serverName, uuid("dns", dnsKey));
        dns.put("PayloadDescription", "Sends DNS queries over " + protocolName() + " to " + endpoint() + " at "
                + String.join(", ", addresses) + ".");
        dns.put("DNSSettings", settings);
        dns.put("ProhibitDisablement", Boolean.FALSE);
        payloads.add(dns);
        content.append(' ').append(dnsKey);

        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("PayloadType", "Configuration");
        profile.put("PayloadVersion", 1);
        profile.put("PayloadIdentifier", identifier());
        profile.put("PayloadUUID", uuid("profile", content.toString()));
        profile.put("PayloadDisplayName", "dotgate DNS (" + serverName + ")");
        profile.put("PayloadDescription", "Encrypted DNS (" + protocolName() + ") through the dotgate gateway "
                + serverName
                + (ca != null ? ", and its local certificate authority so the device can verify the gateway." : "."));
        profile.put("PayloadOrganization", "dotgate");
        profile.put("PayloadRemovalDisallowed", Boolean.FALSE);
        profile.put("PayloadContent", payloads);
        return profile;
    }

    /** The profile as an XML property list, UTF-8. */
    public byte[] toBytes() {
        return PlistWriter.write(toPlist());
    }

    /** The CA's SHA-256 fingerprint as iOS and macOS show it (hex pairs and colons), or null without a CA. */
    public String caFingerprint() {
        if (ca == null) {
            return null;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(der(ca));
            return java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> payload(String type, String identifier, String displayName, String uuid) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("PayloadType", type);
        p.put("PayloadVersion", 1);
        p.put("PayloadIdentifier", identifier);
        p.put("PayloadUUID", uuid);
        p.put("PayloadDisplayName", displayName);
        return p;
    }

    private String uuid(String kind, String content) {
        return UUID.nameUUIDFromBytes((seed + "\n" + kind + "\n" + content).getBytes(StandardCharsets.UTF_8))
                .toString().toUpperCase(Locale.ROOT);
    }

    private static byte[] der(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the CA certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    private static String hex(byte[] bytes) {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
