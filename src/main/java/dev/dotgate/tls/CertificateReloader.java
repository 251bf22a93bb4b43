package dev.dotgate.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a user-supplied certificate and key current: publishes a new pair to an {@link IdentityHolder} when the
 * files change, and on {@link #reloadNow()} (SIGHUP).
 *
 * <p><b>Why polling.</b> Every {@code interval} a daemon thread of its own (file reads stay off the event loops)
 * resolves both paths through their symlinks and compares the real path, file key (device and inode), size and
 * modification time with those last loaded. A JDK {@code WatchService} watches directory entries: it misses the
 * swaps ACME clients and Kubernetes do ({@code live/NAME/fullchain.pem} re-pointed to a new {@code archive/}
 * file, or a {@code ..data} symlink replaced in another directory), and it falls back to slow polling on some
 * platforms anyway. Two {@code stat} calls every few seconds cost nothing.
 *
 * <p><b>Bad pairs.</b> A pair that cannot be read, whose key does not belong to the certificate, or whose
 * certificate is expired or not yet valid is not used: the running certificate stays. Renewals write the two
 * files one after the other, so a failure is only reported once the files have stayed the same for one more
 * poll (a half-written pair is simply tried again), and then once per distinct state of the files. Warnings from
 * {@link ChainCheck} are logged for each pair loaded.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateReloader.class);

    private final IdentityHolder holder;
    private final Path certFile;
    private final Path keyFile;
    private final String serverName;
    private final ScheduledExecutorService timer;
    private Stamp loaded;
    private Stamp pending;   // failed once; reported if still the same at the next poll
    private Stamp reported;  // failure already logged for this state of the files
    private volatile String lastFailure;

    /**
     * Reads and checks the pair now (warnings logged), then watches it every {@code interval}.
     *
     * @throws IdentityException when the pair cannot be read or the key does not match (an expired certificate
     *                           is only a warning here, so the gateway can start and be fixed by a reload)
     */
    public static CertificateReloader start(Path certFile, Path keyFile, String serverName, Duration interval)
            throws IdentityException {
        Stamp stamp = Stamp.current(certFile, keyFile);
        ServerIdentity id = IdentityFiles.read(certFile, keyFile, null);
        warn(certFile, id, serverName);
        return new CertificateReloader(new IdentityHolder(id), stamp, certFile, keyFile, serverName, interval);
    }

    private CertificateReloader(IdentityHolder holder, Stamp loaded, Path certFile, Path keyFile, String serverName,
            Duration interval) {
        this.holder = holder;
        this.loaded = loaded; // before the timer starts: its first poll sees it
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.serverName = serverName;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dotgate-cert-watch");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            try {
                poll();
            } catch (RuntimeException e) { // never let one bad read end the polling
                log.error("checking {} and {} failed: {}", certFile, keyFile, e.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** The identity and the listeners to tell about a new one. */
    public IdentityHolder holder() {
        return holder;
    }

    /** The reason the files on disk were last refused (logged), or null when the files in use are current. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Checks the files now if they changed since the last load; what the timer runs. */
    synchronized void poll() {
        Stamp now = Stamp.current(certFile, keyFile);
        if (now.equals(loaded)) {
            pending = null;
            lastFailure = null;
            return;
        }
        if (now.equals(reported)) {
            return;
        }
        if (now.error() != null) {
            failed(now, now.error(), false);
        } else {
            load(now, false);
        }
    }

    /**
     * Reads the files again whatever their stamps say (SIGHUP) and reports a bad pair at once.
     *
     * @return whether the files now in use are the ones on disk
     */
    public synchronized boolean reloadNow() {
        Stamp now = Stamp.current(certFile, keyFile);
        if (now.error() != null) {
            failed(now, now.error(), true);
            return false;
        }
        return load(now, true);
    }

    private boolean load(Stamp stamp, boolean reportNow) {
        ServerIdentity next;
        try {
            next = IdentityFiles.read(certFile, keyFile, Instant.now());
        } catch (IdentityException e) {
            failed(stamp, e.getMessage(), reportNow);
            return false;
        }
        ServerIdentity old = holder.current();
        if (old.chain().equals(next.chain()) && old.key().equals(next.key())) {
            accepted(stamp);
            log.info("the certificate in {} is unchanged", certFile);
            return true;
        }
        warn(certFile, next, serverName);
        if (!holder.publish(next)) {
            failed(stamp, "no TLS context could be built from it", true);
            return false;
        }
        accepted(stamp);
        log.info("loaded a new certificate from {} ({}); new TLS connections use it, open ones keep theirs",
                certFile, ChainCheck.describe(next.chain().get(0)));
        return true;
    }

    private void accepted(Stamp stamp) {
        loaded = stamp;
        pending = null;
        reported = null;
        lastFailure = null;
    }

    /**
     * A pair that cannot be used. From the timer, the first failure of a state of the files waits for the next
     * poll (the writer may not have finished); the same state failing again is logged, once.
     */
    private void failed(Stamp stamp, String message, boolean reportNow) {
        if (!reportNow && !stamp.equals(pending)) {
            pending = stamp;
            log.debug("certificate files changed but cannot be used yet ({}); trying again", message);
            return;
        }
        pending = null;
        reported = stamp;
        lastFailure = message + "; still serving " + ChainCheck.describe(holder.current().chain().get(0));
        log.error("the new certificate cannot be used: {}", lastFailure);
    }

    private static void warn(Path certFile, ServerIdentity id, String serverName) {
        List<String> warnings = ChainCheck.warnings(id.chain(), serverName);
        for (String w : warnings) {
            log.warn("{}: {}", certFile, w);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /**
     * What identifies the contents of the two files without reading them: per file its real path, file key,
     * size and modification time; or, when a file cannot even be looked at, the reason.
     */
    record Stamp(List<Object> cert, List<Object> key, String error) {
        static Stamp current(Path certFile, Path keyFile) {
            try {
                return new Stamp(of("listen.cert", certFile), of("listen.key", keyFile), null);
            } catch (IdentityException e) {
                return new Stamp(List.of(), List.of(), e.getMessage());
            }
        }

        private static List<Object> of(String what, Path file) throws IdentityException {
            try {
                Path real = file.toRealPath();
                BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
                Object fileKey = a.fileKey() == null ? "" : a.fileKey();
                return List.of(real, fileKey, a.size(), a.lastModifiedTime());
            } catch (IOException e) {
                throw new IdentityException(what + ": '" + file + "' cannot be read: "
                        + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                        : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage()));
            }
        }
    }
}
