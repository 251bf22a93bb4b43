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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    @Option(names = "--doh-listen", paramLabel = "HOST:PORT", description = "DNS-over-HTTPS address (https://HOST:PORT/dns-query); repeatable (default off)")
    List<String> dohListen = new ArrayList<>();

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

    @Option(names = "--allowlist", paramLabel = "FILE", description = "resolve only the names listed (example.com, *.example.com); REFUSED otherwise")
    Path allowlist;

    @Option(names = "--blocklist", paramLabel = "FILE_OR_URL", description = "hosts, domain or adblock list of names to block; repeatable")
    List<String> blocklists = new ArrayList<>();

    @Option(names = "--no-cache", description = "answer every query from an upstream")
    boolean noCache;

    @Option(names = "--events", paramLabel = "SINK", description = "per-query events: stdout, a FILE, or off (default)")
    String events;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "serve Prometheus metrics at http://HOST:PORT/metrics (default off)")
    String metricsListen;

    @Option(names = "--proxy-trusted", paramLabel = "CIDR", description = "load balancer range whose PROXY protocol v2 header is required and honoured; repeatable (default none: off)")
    List<String> proxyTrusted = new ArrayList<>();

    private ConfigLoader.Overrides overrides() {
        return new ConfigLoader.Overrides(listen, dotListen, upstreams, upstreamCa, cert, key, dataDir, serverName,
                upstreamTimeout, logLevel, allowlist, blocklists, noCache, events, metricsListen, dohListen,
                proxyTrusted);
    }

    @Override
    public Integer call() {
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.load(config, overrides());
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
            GatewayConfig next = ConfigLoader.load(config, overrides());
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
