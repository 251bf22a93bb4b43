package dev.dotgate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DNSSEC-signed DNS hierarchy of its own on loopback, made when constructed (keys, signatures and configs are
 * written to the given directory; nothing generated is committed), for testing a validator against answers whose
 * verdict is known ({@link TestName#ALL}). The root zone {@code .} (NSEC) delegates to:
 * <ul>
 * <li>{@code secure.}: signed with NSEC; {@code www.secure. A 192.0.2.10}, {@code txt.secure. TXT};</li>
 * <li>{@code nsec3.}: signed with NSEC3 (no salt, no extra iterations); {@code www.nsec3. A 192.0.2.11};</li>
 * <li>{@code bogus.}: signed, then {@code www.bogus. A} changed from 192.0.2.13 to 192.0.2.66, so that its RRSIG
 * no longer verifies;</li>
 * <li>{@code expired.}: every signature valid from 30 to 10 days ago;</li>
 * <li>{@code future.}: every signature valid from 2 days to 30 days ahead;</li>
 * <li>{@code nearfuture.}: every signature valid from {@link #NEARFUTURE_LEAD} ahead, for clock-skew tests
 * ({@link TestName#NEARFUTURE});</li>
 * <li>{@code unsigned.}: not signed, and no DS for it in the root (an insecure delegation);
 * {@code www.unsigned. A 192.0.2.12}.</li>
 * </ul>
 * Each child also has {@code ns.ZONE. A 127.0.0.1} (its name server, glue in the root) and {@code txt.ZONE. TXT};
 * every other name in it is NXDOMAIN ({@code nx.ZONE.}). Keys are ECDSAP256SHA256, a KSK and a ZSK per signed
 * zone; signatures are valid from an hour ago to 30 days ahead unless said otherwise above.
 *
 * <p>One NSD ({@link #authPort()}) serves every zone on 127.0.0.1. In front of it an iterator-only Unbound (no
 * validation) is the recursive resolver a gateway under test forwards
 * to: plain DNS over UDP and TCP on {@link #resolverAddress()}:{@link #resolverPort()}, DNS-over-TLS on
 * {@link #resolverTlsPort()} with a certificate from a test CA ({@link #caFile()}, see {@link #resolverTlsUri()}).
 * Its stub zones send every query to NSD, never to port 53 nor the internet. A validator is configured with the
 * root key: {@link #trustAnchorFile()} (DNSKEY), {@link #trustAnchorDsFile()} (DS) or {@link #delvAnchorFile()}
 * (BIND syntax, see {@link Delv}).
 *
 * <p>Needs {@code dnssec-keygen}, {@code dnssec-signzone}, {@code dnssec-dsfromkey} (Debian bind9-utils),
 * {@code nsd}, {@code unbound}, {@code openssl} and {@code dig}. Starting takes about half a second. {@link #close()}
 * stops both servers.
 */
public final class SignedZones implements AutoCloseable {
    /** How long after the fixture signed it the signatures of {@code nearfuture.} become valid. */
    public static final Duration NEARFUTURE_LEAD = Duration.ofMinutes(20);

    private static final String ADDRESS = "127.0.0.1";
    private static final String TTL = "300";
    private static final DateTimeFormatter SIGNATURE_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);

    /** How a zone is signed: the validity window relative to now, or not at all. */
    private enum Signing {
        NSEC(Duration.ofHours(-1), Duration.ofDays(30)),
        NSEC3(Duration.ofHours(-1), Duration.ofDays(30)),
        /** NSEC3 with 10 iterations: fine for delv (BIND allows 150), over a validator's lower limit. */
        NSEC3_ITERATED(Duration.ofHours(-1), Duration.ofDays(30)),
        /**
         * As {@link #NSEC}, but the root's DS for the zone has digest type 3 (GOST R 34.11-94), which RFC 8624 lets
         * a validator leave out: no usable DS, so the zone is insecure.
         */
        GOST_DS(Duration.ofHours(-1), Duration.ofDays(30)),
        /** As {@link #NSEC}, then one signed record altered. */
        ALTERED(Duration.ofHours(-1), Duration.ofDays(30)),
        EXPIRED(Duration.ofDays(-30), Duration.ofDays(-10)),
        FUTURE(Duration.ofDays(2), Duration.ofDays(30)),
        NEARFUTURE(NEARFUTURE_LEAD, Duration.ofDays(30)),
        NONE(null, null);

        final Duration inception;
        final Duration expiration;

        Signing(Duration inception, Duration expiration) {
            this.inception = inception;
            this.expiration = expiration;
        }

        /** Whether the signatures are valid now (dnssec-signzone's check of its result would fail otherwise). */
        boolean validNow() {
            return inception.isNegative() && !expiration.isNegative();
        }
    }

    /** A zone delegated from the root, the address of its {@code www} name, and how it is signed. */
    private record Child(String origin, String www, Signing signing) {
    }

    private static final List<Child> CHILDREN = List.of(
            new Child("secure.", "192.0.2.10", Signing.NSEC),
            new Child("nsec3.", "192.0.2.11", Signing.NSEC3),
            new Child("bogus.", "192.0.2.13", Signing.ALTERED),
            new Child("expired.", "192.0.2.14", Signing.EXPIRED),
            new Child("future.", "192.0.2.15", Signing.FUTURE),
            new Child("nearfuture.", "192.0.2.16", Signing.NEARFUTURE),
            new Child("unsigned.", "192.0.2.12", Signing.NONE),
            new Child("iter.", "192.0.2.17", Signing.NSEC3_ITERATED),
            new Child("gost.", "192.0.2.18", Signing.GOST_DS));

    private final Path dir;
    private final Path keys;
    private final Path zones;
    private final Instant signedAt = Instant.now();
    private final int authPort = Ports.free();
    private final int resolverPort = Ports.free();
    private final int resolverTlsPort = Ports.free();
    private final List<Process> processes = new ArrayList<>();
    private final boolean validating;
    private int standbyKskTag;

    /**
     * Generates keys and zones in {@code dir} (created if missing; best empty), signs them, and starts NSD and
     * Unbound; returns once both answer. On failure whatever was started is stopped again.
     */
    public SignedZones(Path dir) throws IOException {
        this(dir, false);
    }

    /**
     * As {@link #SignedZones(Path)}; with {@code validatingResolver} the Unbound validates too (against the same
     * root key, with Extended DNS Errors on), for a gateway that passes an upstream's verdict on.
     */
    public SignedZones(Path dir, boolean validatingResolver) throws IOException {
        this.validating = validatingResolver;
        this.dir = Files.createDirectories(dir);
        this.keys = Files.createDirectories(dir.resolve("keys"));
        this.zones = Files.createDirectories(dir.resolve("zones"));
        try {
            Map<String, String> zoneFiles = new LinkedHashMap<>();
            StringBuilder delegations = new StringBuilder();
            for (Child c : CHILDREN) {
                zoneFiles.put(c.origin(), writeChild(c));
                delegations.append(c.origin()).append(" IN NS ns.").append(c.origin()).append('\n')
                        .append("ns.").append(c.origin()).append(" IN A ").append(ADDRESS).append('\n');
                if (c.signing() == Signing.GOST_DS) {
                    delegations.append(gostDs(Files.readString(dir.resolve("dsset-" + c.origin()))));
                } else if (c.signing() != Signing.NONE) {
                    delegations.append(Files.readString(dir.resolve("dsset-" + c.origin())));
                }
            }
            String rootKsk = keygen(".", true);
            String rootZsk = keygen(".", false);
            // A second key-signing key, published (and signing) but not in any anchor: the next key of an RFC 5011
            // rollover, for a validator that keeps its anchors current to notice.
            String standby = keygen(".", true);
            this.standbyKskTag = Integer.parseInt(standby.substring(standby.lastIndexOf('+') + 1));
            Path root = zones.resolve("root.zone");
            Files.writeString(root, """
                    $ORIGIN .
                    $TTL %s
                    . IN SOA ns.root. hostmaster.root. 1 3600 600 86400 60
                    . IN NS ns.root.
                    ns.root. IN A %s
                    %s%s%s%s""".formatted(TTL, ADDRESS, delegations, keyRecord(rootKsk), keyRecord(rootZsk),
                    keyRecord(standby)));
            zoneFiles.put(".", sign(".", root, Signing.NSEC));
            writeAnchors(rootKsk);
            startNsd(zoneFiles);
            startUnbound();
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Skips the calling test (JUnit assumption) unless nsd and bind9-utils' signing tools are installed, and
     * {@code more} tools (delv...) too.
     */
    public static void assumeTools(String... more) {
        List<String> tools = new ArrayList<>(List.of("nsd", "dnssec-keygen", "dnssec-signzone", "dnssec-dsfromkey"));
        tools.addAll(List.of(more));
        for (String tool : tools) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Proc.run(10, "sh", "-c", "command -v " + tool).exit() == 0,
                    tool + " is not installed");
        }
    }

    /** The key tag of the root's second key-signing key, published beside the anchored one but trusted by nobody. */
    public int standbyKskTag() {
        return standbyKskTag;
    }

    /** Where the iterator-only Unbound serves plain DNS (UDP and TCP). */
    public String resolverAddress() {
        return ADDRESS;
    }

    /** The iterator-only Unbound's plain DNS port (UDP and TCP) on {@link #resolverAddress()}. */
    public int resolverPort() {
        return resolverPort;
    }

    /** The same Unbound's DNS-over-TLS port on {@link #resolverAddress()}. */
    public int resolverTlsPort() {
        return resolverTlsPort;
    }

    /**
     * The DNS-over-TLS resolver as a gateway upstream, {@code tls://127.0.0.1:PORT#upstream.test}: its certificate
     * is for {@link Unbound#AUTH_NAME}, issued by {@link #caFile()}.
     */
    public String resolverTlsUri() {
        return "tls://" + ADDRESS + ":" + resolverTlsPort + "#" + Unbound.AUTH_NAME;
    }

    /** The test CA (PEM) that issued the resolver's DNS-over-TLS certificate. */
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** NSD's port on 127.0.0.1 (UDP and TCP), authoritative for every zone. */
    public int authPort() {
        return authPort;
    }

    /** The root KSK as one DNSKEY record in presentation form: {@code . 300 IN DNSKEY 257 3 13 BASE64}. */
    public Path trustAnchorFile() {
        return dir.resolve("root-anchor.dnskey");
    }

    /** The root KSK's DS (SHA-256 digest) as one record: {@code . 300 IN DS TAG 13 2 HEX}. */
    public Path trustAnchorDsFile() {
        return dir.resolve("root-anchor.ds");
    }

    /** The root KSK for delv (BIND syntax): {@code trust-anchors { . static-key 257 3 13 "BASE64"; };}. */
    public Path delvAnchorFile() {
        return dir.resolve("root-anchor.delv");
    }

    /** When the zones were signed: the validity windows above are relative to this instant. */
    public Instant signedAt() {
        return signedAt;
    }

    /** The directory holding keys ({@code keys/}), zone files ({@code zones/}), configs and the servers' logs. */
    public Path dir() {
        return dir;
    }

    /** Stops Unbound and NSD (NSD's server processes too); harmless when called twice. */
    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            stop(processes.get(i));
        }
        processes.clear();
    }

    private String writeChild(Child c) throws IOException {
        StringBuilder zone = new StringBuilder("""
                $ORIGIN %1$s
                $TTL %2$s
                @ IN SOA ns.%1$s hostmaster.%1$s 1 3600 600 86400 60
                @ IN NS ns.%1$s
                ns IN A %3$s
                www IN A %4$s
                txt IN TXT "%1$s"
                """.formatted(c.origin(), TTL, ADDRESS, c.www()));
        Path file = zones.resolve(c.origin() + "zone");
        if (c.signing() == Signing.NONE) {
            Files.writeString(file, zone);
            return file.toString();
        }
        zone.append(keyRecord(keygen(c.origin(), true))).append(keyRecord(keygen(c.origin(), false)));
        Files.writeString(file, zone);
        String signed = sign(c.origin(), file, c.signing());
        if (c.signing() == Signing.ALTERED) {
            alterWww(Path.of(signed), c);
        }
        return signed;
    }

    /** Makes a key for {@code zone} in {@link #keys}; returns its file name without extension. */
    private String keygen(String zone, boolean ksk) {
        List<String> cmd = new ArrayList<>(List.of("dnssec-keygen", "-q", "-K", keys.toString(), "-a",
                "ECDSAP256SHA256", "-n", "ZONE"));
        if (ksk) {
            cmd.addAll(List.of("-f", "KSK"));
        }
        cmd.add(zone);
        String[] lines = check(Proc.run(30, cmd.toArray(String[]::new)), "dnssec-keygen").strip().split("\n");
        return lines[lines.length - 1].strip(); // its last line is the key's name, Kzone+013+tag

    }

    /** The DNSKEY record of key {@code name}, read from its {@code .key} file (comment lines included). */
    private String keyRecord(String name) throws IOException {
        return Files.readString(keys.resolve(name + ".key")) + "\n";
    }

    /** Signs {@code file} (with the key records in it) into {@code ZONE.signed}; writes dsset-ZONE to dir. */
    private String sign(String origin, Path file, Signing signing) {
        String out = zones.resolve((origin.equals(".") ? "root." : origin) + "signed").toString();
        List<String> cmd = new ArrayList<>(List.of("dnssec-signzone", "-q", "-K", keys.toString(), "-d",
                dir.toString(), "-o", origin, "-N", "keep", "-O", "full", "-s", time(signing.inception), "-e",
                time(signing.expiration), "-f", out));
        if (signing == Signing.NSEC3) {
            cmd.addAll(List.of("-3", "-", "-H", "0"));
        } else if (signing == Signing.NSEC3_ITERATED) {
            cmd.addAll(List.of("-3", "-", "-H", "10"));
        }
        if (!signing.validNow()) {
            cmd.add("-P"); // its check of the result would reject signatures not valid now
        }
        cmd.add(file.toString());
        check(Proc.run(60, cmd.toArray(String[]::new)), "dnssec-signzone");
        return out;
    }

    /** The first DS of {@code dsset} with digest type 3 (GOST) and a made-up 32-byte digest instead of its own. */
    private static String gostDs(String dsset) {
        String line = dsset.lines().filter(l -> l.contains(" DS ")).findFirst()
                .orElseThrow(() -> new AssertionError("no DS in " + dsset));
        String[] f = line.trim().split("\\s+");
        int at = List.of(f).indexOf("DS");
        return f[0] + " IN DS " + f[at + 1] + " " + f[at + 2] + " 3 " + "AB".repeat(32) + "\n";
    }

    /** Changes the address of {@code www} in the signed zone, leaving its RRSIG over the old one. */
    private static void alterWww(Path signed, Child c) throws IOException {
        Matcher m = Pattern.compile("(?m)^(www\\." + Pattern.quote(c.origin()) + "\\s+\\d+\\s+IN\\s+A\\s+)"
                + Pattern.quote(c.www()) + "$").matcher(Files.readString(signed));
        if (!m.find()) {
            throw new AssertionError("no www A record to alter in " + signed);
        }
        Files.writeString(signed, m.replaceFirst("$1192.0.2.66"));
    }

    private void writeAnchors(String rootKsk) throws IOException {
        String record = Files.readAllLines(keys.resolve(rootKsk + ".key")).stream()
                .filter(l -> !l.startsWith(";") && !l.isBlank()).findFirst()
                .orElseThrow(() -> new AssertionError("no DNSKEY in " + rootKsk + ".key"));
        // ". IN DNSKEY 257 3 13 BASE64 [BASE64...]": the key may be split in several words
        String[] words = record.trim().split("\\s+");
        int at = List.of(words).indexOf("DNSKEY");
        String flagsProtocolAlgorithm = words[at + 1] + " " + words[at + 2] + " " + words[at + 3];
        String key = String.join("", List.of(words).subList(at + 4, words.length));
        Files.writeString(trustAnchorFile(), ". " + TTL + " IN DNSKEY " + flagsProtocolAlgorithm + " " + key + "\n");
        Files.writeString(delvAnchorFile(),
                "trust-anchors {\n  . static-key " + flagsProtocolAlgorithm + " \"" + key + "\";\n};\n");
        String ds = check(Proc.run(30, "dnssec-dsfromkey", "-2", "-T", TTL,
                keys.resolve(rootKsk + ".key").toString()), "dnssec-dsfromkey").strip();
        Files.writeString(trustAnchorDsFile(), ds + "\n");
    }

    /** Starts NSD serving {@code zoneFiles} (origin to file) and waits until it answers for the root. */
    private void startNsd(Map<String, String> zoneFiles) throws IOException {
        StringBuilder conf = new StringBuilder("""
                server:
                  ip-address: %1$s
                  port: %2$d
                  do-ip6: no
                  server-count: 1
                  username: ""
                  chroot: ""
                  zonesdir: "%3$s"
                  database: ""
                  zonelistfile: "%3$s/nsd-zone.list"
                  xfrdfile: "%3$s/nsd-xfrd.state"
                  xfrdir: "%3$s"
                  pidfile: "%3$s/nsd.pid"
                  cookie-secret-file: "%3$s/nsd-cookiesecrets.txt"
                  verbosity: 0
                  hide-version: yes
                remote-control:
                  control-enable: no
                """.formatted(ADDRESS, authPort, dir));
        zoneFiles.forEach((origin, file) -> conf.append("zone:\n  name: \"").append(origin)
                .append("\"\n  zonefile: \"").append(file).append("\"\n"));
        Path confFile = Files.writeString(dir.resolve("nsd.conf"), conf);
        Process nsd = start(dir.resolve("nsd.log"), "nsd", "-d", "-c", confFile.toString());
        Eventually.until(() -> {
            if (!nsd.isAlive()) {
                throw new AssertionError("nsd exited (" + nsd.exitValue() + "): "
                        + Files.readString(dir.resolve("nsd.log")));
            }
            return Proc.run(10, "dig", "@" + ADDRESS, "-p", "" + authPort, "+time=1", "+tries=1", ".", "SOA")
                    .out().contains("status: NOERROR");
        }, Duration.ofSeconds(15), "nsd answering on " + ADDRESS + ":" + authPort);
    }

    private void startUnbound() throws IOException {
        Unbound.makeCertificates(dir);
        StringBuilder stubs = new StringBuilder();
        stubs.append("stub-zone:\n  name: \".\"\n  stub-addr: ").append(ADDRESS).append('@').append(authPort)
                .append('\n');
        for (Child c : CHILDREN) {
            stubs.append("stub-zone:\n  name: \"").append(c.origin()).append("\"\n  stub-addr: ").append(ADDRESS)
                    .append('@').append(authPort).append('\n');
        }
        Path confFile = Files.writeString(dir.resolve("unbound.conf"), """
                server:
                  interface: %1$s@%2$d
                  interface: %1$s@%3$d
                  tls-port: %3$d
                  tls-service-key: "%4$s/upstream.key"
                  tls-service-pem: "%4$s/upstream.pem"
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%4$s"
                  pidfile: ""
                  use-syslog: no
                  logfile: ""
                  verbosity: 1
                  num-threads: 1
                  access-control: 127.0.0.0/8 allow
                  do-ip6: no
                  do-not-query-localhost: no
                  qname-minimisation: no
                %5$s
                %6$s""".formatted(ADDRESS, resolverPort, resolverTlsPort, dir, validating
                ? "  module-config: \"validator iterator\"\n  trust-anchor-file: \"" + trustAnchorDsFile()
                        + "\"\n  ede: yes\n  val-log-level: 1\n"
                : "  module-config: \"iterator\"\n", stubs));
        Process unbound = start(dir.resolve("unbound.log"), "unbound", "-d", "-c", confFile.toString());
        Ports.awaitListening(ADDRESS, resolverPort, 10_000); // it opens the TLS listener with this one
        if (!unbound.isAlive()) {
            throw new AssertionError("unbound exited: " + Files.readString(dir.resolve("unbound.log")));
        }
    }

    private Process start(Path log, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(p);
        return p;
    }

    /** SIGTERM, then SIGKILL after 5 s; NSD's forked servers and xfrd are ended with it if they linger. */
    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(5, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code now + offset} as a signature time, UTC. */
    private String time(Duration offset) {
        return SIGNATURE_TIME.format(signedAt.plus(offset));
    }

    private static String check(Proc.Result r, String tool) {
        if (r.exit() != 0) {
            throw new AssertionError(tool + " failed (" + r.exit() + "): " + r.out());
        }
        return r.out();
    }
}
