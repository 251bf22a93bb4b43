package dev.dotgate.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * BIND's delv (Debian bind9-dnsutils), an independent DNSSEC validator: it asks a recursive resolver for an answer
 * and the DNSKEY and DS records that prove it, validates them itself from a trust anchor, and says what it
 * concluded. Used to check that {@link SignedZones} gives the verdicts {@link TestName} promises, and to compare
 * another validator with.
 */
public final class Delv {
    /** What delv printed and the verdict read from it. */
    public record Result(Verdict verdict, String output) {
    }

    private static final String FAILED = ";; resolution failed: ";
    /** BIND's result texts for a failed validation, as delv gives them after {@link #FAILED}. */
    private static final List<String> VALIDATION_FAILURES = List.of("RRSIG failed to verify", "broken trust chain",
            "no valid signature found", "no valid RRSIG", "no valid DS", "no valid NSEC", "no valid KEY",
            "insecurity proof failed", "RRSIG has expired", "RRSIG validity period has not begun",
            "key unauthorized to sign data", "must-be-secure");

    private final String server;
    private final int port;
    private final Path anchorFile;
    private final int timeoutSeconds;

    /**
     * Asking the resolver at {@code server:port}, trusting the keys in {@code anchorFile} (BIND
     * {@code trust-anchors} syntax, e.g. {@link SignedZones#delvAnchorFile()}), giving up after
     * {@code timeoutSeconds}.
     */
    public Delv(String server, int port, Path anchorFile, int timeoutSeconds) {
        this.server = server;
        this.port = port;
        this.anchorFile = anchorFile;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Asking the fixture's resolver, trusting its root key, with a 20 s timeout. */
    public static Delv of(SignedZones zones) {
        return new Delv(zones.resolverAddress(), zones.resolverPort(), zones.delvAnchorFile(), 20);
    }

    /** delv's verdict on {@code name}. */
    public Result query(TestName name) {
        return query(name.name(), name.type());
    }

    /**
     * Runs {@code delv @SERVER -p PORT -a ANCHORS +root NAME TYPE} and reads its verdict; an
     * {@link AssertionError} with its output when it gave none (e.g. the resolver did not answer) or timed out.
     */
    public Result query(String name, String type) {
        List<String> cmd = List.of("delv", "-4", "@" + server, "-p", "" + port, "-a", anchorFile.toString(),
                "+root", name, type);
        String out = run(cmd);
        return new Result(verdict(out).orElseThrow(() -> new AssertionError(
                "delv gave no verdict for " + name + " " + type + ":\n" + out)), out);
    }

    /**
     * The verdict in delv's output (as 9.18 prints it): {@code ; fully validated} is {@link Verdict#SECURE},
     * {@code ; unsigned answer} {@link Verdict#INSECURE}, for a negative answer too ({@code ; negative response,
     * fully validated}: delv prints {@code ;; resolution failed: ncache nxdomain} or {@code ncache nxrrset} before
     * it, which is no failure). {@code ;; resolution failed: REASON} is {@link Verdict#BOGUS} when the reason is a
     * validation failure ({@code RRSIG failed to verify}, {@code broken trust chain}, ...); for any other reason
     * (a resolver that is down says {@code failure}, one that fails {@code SERVFAIL}) and output without a
     * verdict, empty.
     */
    public static Optional<Verdict> verdict(String output) {
        List<String> lines = output.lines().map(String::strip).toList();
        if (lines.contains("; fully validated") || lines.contains("; negative response, fully validated")) {
            return Optional.of(Verdict.SECURE);
        }
        if (lines.contains("; unsigned answer") || lines.contains("; negative response, unsigned answer")) {
            return Optional.of(Verdict.INSECURE);
        }
        return lines.stream().filter(l -> l.startsWith(FAILED)).map(l -> l.substring(FAILED.length()))
                .filter(reason -> VALIDATION_FAILURES.stream().anyMatch(reason::contains)).findFirst()
                .map(reason -> Verdict.BOGUS);
    }

    private String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("delv timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd)
                        + "\n" + out.getNow(""));
            }
            return out.get(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new AssertionError("cannot run delv (Debian package bind9-dnsutils): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("reading delv's output: " + e, e);
        }
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
