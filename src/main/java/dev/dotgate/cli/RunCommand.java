package dev.dotgate.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.dotgate.Gateway;
import dev.dotgate.config.ConfigException;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.DataDirs;
import dev.dotgate.net.BindFailure;
import dev.dotgate.os.Account;
import dev.dotgate.os.ProcessUser;
import dev.dotgate.os.SystemdNotify;
import dev.dotgate.os.UserSwitch;
import dev.dotgate.os.UserSwitchException;
import dev.dotgate.policy.PolicyLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code dotgate run}: start the gateway and serve until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class, description = "Run the gateway.")
final class RunCommand implements Callable<Integer> {
    static final Duration GRACE = Duration.ofSeconds(3);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "TOML config file; flags override it")
    Path config;

    // The settings' flags (--listen, --upstream, ...) are added from their declarations: SettingOptions.

    private ConfigLoader.Overrides overrides() {
        return SettingOptions.overrides(spec);
    }

    @Override
    public Integer call() {
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.load(config, overrides(), PolicyLoader::check);
        } catch (ConfigException e) {
            return fail(e.getMessage(), 2);
        }
        Account account = cfg.account();
        if (account == null && !cfg.allowRoot() && ProcessUser.isRoot()) {
            return fail("refusing to serve as root: give --user NAME (user in the config) to bind the ports as "
                    + "root and then run as NAME, or --allow-root to stay root", 2);
        }
        ((Logger) LoggerFactory.getLogger("dev.dotgate")).setLevel(Level.toLevel(cfg.logLevel()));
        DirectMemory.report(LoggerFactory.getLogger(RunCommand.class));
        Gateway gateway = new Gateway(cfg);
        SystemdNotify systemd = SystemdNotify.fromEnvironment();
        // The handlers are set before the start: the listeners answer before it returns, and a signal meanwhile
        // must not take the JVM's default action (exit). SIGTERM then stops it gracefully once started; a SIGHUP
        // waits behind the start on the reload thread.
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dotgate-reload");
            t.setDaemon(true);
            return t;
        });
        reloads.execute(() -> {
            try {
                started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the start failed: shutdownNow drops the waiting reloads
            }
        });
        SignalHandler term = Signal.handle(new Signal("TERM"), s -> stop.countDown());
        SignalHandler intr = Signal.handle(new Signal("INT"), s -> stop.countDown());
        SignalHandler hup = Signal.handle(new Signal("HUP"), s -> reloads.execute(() -> {
            systemd.reloading();
            reload(gateway);
            systemd.ready("serving on " + gateway.describeListeners());
        }));
        String failed = null;
        int code = 1;
        try {
            gateway.start(account == null ? () -> { } : () -> switchTo(account, cfg));
        } catch (BindFailure | dev.dotgate.tls.IdentityException e) {
            failed = e.getMessage();
            code = 2;
        } catch (UserSwitchException | IOException | GeneralSecurityException e) {
            failed = e.getMessage();
        }
        if (failed != null) {
            Signal.handle(new Signal("TERM"), term);
            Signal.handle(new Signal("INT"), intr);
            Signal.handle(new Signal("HUP"), hup);
            reloads.shutdownNow();
            return fail(failed, code);
        }
        systemd.ready("serving on " + gateway.describeListeners());
        started.countDown();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        systemd.stopping();
        gateway.stop(GRACE);
        return 0;
    }

    /** SIGHUP: read the config file and the lists again; on any error, say what and keep running as before. */
    private void reload(Gateway gateway) {
        org.slf4j.Logger log = LoggerFactory.getLogger(RunCommand.class);
        log.info("SIGHUP: reloading {}", config == null ? "the lists (no config file)" : config);
        try {
            GatewayConfig next = ConfigLoader.load(config, overrides(), PolicyLoader::check);
            gateway.reload(next);
            ((Logger) LoggerFactory.getLogger("dev.dotgate")).setLevel(Level.toLevel(next.logLevel()));
        } catch (ConfigException e) {
            log.error("reload failed, keeping the running configuration: {}", e.getMessage());
            gateway.reloadCertificates(); // renewed certificates are still taken up
        } catch (IOException | RuntimeException e) {
            log.error("reload failed, keeping the running configuration: {}", e.getMessage());
        }
    }

    /**
     * Runs while the listeners are bound and not yet reading: the data directory (made now if missing) and an
     * events file, which root may have created, are handed to {@code account}, then the process becomes it.
     */
    private static void switchTo(Account account, GatewayConfig cfg) {
        List<Path> handOver = new ArrayList<>();
        try {
            DataDirs.prepare(cfg.dataDir());
        } catch (IOException e) {
            throw new UserSwitchException(e.getMessage());
        }
        handOver.add(cfg.dataDir());
        if (cfg.observe().eventsFile() != null) {
            handOver.add(cfg.observe().eventsFile());
        }
        UserSwitch.to(account, handOver);
        LoggerFactory.getLogger(RunCommand.class).info("running as user {} from now on; {} handed over to it",
                account, handOver);
    }

    private int fail(String message, int code) {
        spec.commandLine().getErr().println("dotgate: " + message);
        return code;
    }
}
