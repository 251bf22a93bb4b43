package dev.dotgate.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.dotgate.Gateway;
import dev.dotgate.config.ConfigException;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.net.BindFailure;
import dev.dotgate.policy.PolicyLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

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
        ((Logger) LoggerFactory.getLogger("dev.dotgate")).setLevel(Level.toLevel(cfg.logLevel()));
        DirectMemory.report(LoggerFactory.getLogger(RunCommand.class));
        Gateway gateway = new Gateway(cfg);
        try {
            gateway.start();
        } catch (BindFailure | dev.dotgate.tls.IdentityException e) {
            return fail(e.getMessage(), 2);
        } catch (IOException | GeneralSecurityException e) {
            return fail(e.getMessage(), 1);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dotgate-reload");
            t.setDaemon(true);
            return t;
        });
        Signal.handle(new Signal("HUP"), s -> reloads.execute(() -> reload(gateway)));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private int fail(String message, int code) {
        spec.commandLine().getErr().println("dotgate: " + message);
        return code;
    }
}
