package dev.dotgate.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.dotgate.Gateway;
import dev.dotgate.config.ConfigException;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.server.BindFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code dotgate run}: start the gateway and serve until SIGTERM or SIGINT. */
@Command(name = "run", description = "Run the gateway.")
final class RunCommand implements Callable<Integer> {
    static final Duration GRACE = Duration.ofSeconds(3);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "TOML config file; flags override it")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "plain DNS (UDP and TCP) address; repeatable (default 127.0.0.1:53)")
    List<String> listen = new ArrayList<>();

    @Option(names = "--dot-listen", paramLabel = "HOST:PORT", description = "DNS-over-TLS address; repeatable (default 127.0.0.1:853)")
    List<String> dotListen = new ArrayList<>();

    @Option(names = "--upstream", paramLabel = "URI", description = "tls://IP[:PORT][#NAME], udp://IP[:PORT] or tcp://IP[:PORT]; repeatable")
    List<String> upstreams = new ArrayList<>();

    @Option(names = "--upstream-ca", paramLabel = "FILE", description = "extra CA (PEM) trusted for upstream certificates")
    Path upstreamCa;

    @Option(names = "--cert", paramLabel = "FILE", description = "DoT certificate chain (PEM); default: issued by a local CA")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "DoT private key (PEM)")
    Path key;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the local CA and certificates live")
    Path dataDir;

    @Option(names = "--server-name", paramLabel = "NAME", description = "name the DoT certificate is issued for")
    String serverName;

    @Option(names = "--upstream-timeout", paramLabel = "DURATION", description = "SERVFAIL after this (default 3s)")
    String upstreamTimeout;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "error, warn, info, debug or trace")
    String logLevel;

    @Override
    public Integer call() {
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.load(config, new ConfigLoader.Overrides(listen, dotListen, upstreams, upstreamCa, cert,
                    key, dataDir, serverName, upstreamTimeout, logLevel));
        } catch (ConfigException e) {
            return fail(e.getMessage(), 2);
        }
        ((Logger) LoggerFactory.getLogger("dev.dotgate")).setLevel(Level.toLevel(cfg.logLevel()));
        Gateway gateway = new Gateway(cfg);
        try {
            gateway.start();
        } catch (BindFailure e) {
            return fail(e.getMessage(), 2);
        } catch (IOException | GeneralSecurityException e) {
            return fail(e.getMessage(), 1);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        gateway.stop(GRACE);
        return 0;
    }

    private int fail(String message, int code) {
        spec.commandLine().getErr().println("dotgate: " + message);
        return code;
    }
}
