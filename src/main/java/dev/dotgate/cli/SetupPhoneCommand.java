package dev.dotgate.cli;

import dev.dotgate.config.ConfigException;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.Durations;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.config.HostPort;
import dev.dotgate.net.BindFailure;
import dev.dotgate.onboard.InstallSteps;
import dev.dotgate.policy.PolicyLoader;
import dev.dotgate.onboard.LanAddresses;
import dev.dotgate.onboard.MobileConfig;
import dev.dotgate.onboard.PhoneProfile;
import dev.dotgate.onboard.PhoneTargets;
import dev.dotgate.onboard.ProfileServer;
import dev.dotgate.onboard.TerminalQr;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dotgate setup-phone}: builds an iOS/macOS configuration profile (the local CA and DNS-over-TLS, or with
 * {@code --doh} DNS-over-HTTPS, settings),
 * writes it to the data directory, and serves it over HTTP at a random path for a limited time, with its URL, a QR
 * code and install steps on the terminal.
 */
@Command(name = "setup-phone", mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class, description = "Serve an iOS/macOS profile (DNS-over-TLS or DNS-over-HTTPS settings and the local CA, "
        + "which may only vouch for the gateway's names and private addresses) for a limited time; print its URL, a QR"
        + " code and the install steps.")
final class SetupPhoneCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "the gateway's TOML config (DoT addresses, "
            + "server_name, data_dir); flags override it")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "where to serve the profile over HTTP "
            + "(default: this machine's LAN IPv4 address, any free port)")
    String listen;

    @Option(names = "--doh", description = "DNS-over-HTTPS in the profile instead of DNS-over-TLS: any port works "
            + "(iOS and macOS use DNS-over-TLS only on 853)")
    boolean doh;

    // --dot-listen, --doh-listen, --server-name and --data-dir come from the settings' declarations (as for run).
    static final java.util.Set<String> SETTINGS = java.util.Set.of("listen.dot", "listen.doh", "server_name",
            "data_dir");

    @Option(names = "--for", paramLabel = "DURATION", description = "stop serving after this (default 10m)")
    String serveFor = "10m";

    @Option(names = "--once", description = "stop after the first complete download")
    boolean once;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        GatewayConfig cfg;
        Duration window;
        InetSocketAddress httpAddress;
        PhoneTargets targets;
        try {
            List<?> dohListen = spec.findOption("--doh-listen").getValue();
            if (!doh && dohListen != null && !dohListen.isEmpty()) {
                throw new IllegalArgumentException("--doh-listen " + dohListen.get(0) + ": only used with --doh "
                        + "(a DNS-over-HTTPS profile); add --doh, or leave --doh-listen out for DNS-over-TLS");
            }
            cfg = ConfigLoader.load(config, SettingOptions.overrides(spec), PolicyLoader::check);
            window = Durations.parse("--for", serveFor);
            if (window.isZero()) {
                throw ConfigException.of("--for", serveFor, "must be longer than 0s");
            }
            httpAddress = httpAddress();
            targets = doh ? PhoneTargets.doh(cfg.listen().doh(), LanAddresses::all)
                    : PhoneTargets.dot(cfg.listen().dot(), LanAddresses::all);
        } catch (ConfigException | IllegalArgumentException e) {
            return fail(e.getMessage(), 2);
        }
        PhoneProfile phone;
        Path file;
        try {
            phone = PhoneProfile.of(cfg, targets);
            file = phone.write(cfg.dataDir());
        } catch (IOException | GeneralSecurityException e) {
            return fail("cannot build the profile: " + e.getMessage(), 1);
        }
        try (ProfileServer server = ProfileServer.start(httpAddress, MobileConfig.FILE_NAME, phone.profile().toBytes(),
                MobileConfig.CONTENT_TYPE, client -> {
                    out.println("served the profile to " + client);
                    out.flush();
                })) {
            String url = "http://" + HostPort.format(urlAddress(server.address())) + server.path();
            print(out, phone, file, url, window);
            try {
                if (once) {
                    server.awaitDownload(window);
                } else {
                    Thread.sleep(window.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.println("stopped serving the profile (" + server.downloads() + " download"
                    + (server.downloads() == 1 ? "" : "s") + "); it stays in " + file);
            String refused = server.refusals().summary();
            if (!refused.isEmpty()) {
                out.println("turned away (limits of the profile server): " + refused);
            }
            out.flush();
            return 0;
        } catch (BindFailure e) {
            return fail(e.getMessage(), 2);
        }
    }

    private InetSocketAddress httpAddress() throws ConfigException {
        if (listen != null) {
            return HostPort.parse("--listen", listen, 0, false);
        }
        InetAddress lan = LanAddresses.firstIpv4();
        if (lan == null) {
            throw new ConfigException("--listen: this machine has no LAN IPv4 address (no up interface with a "
                    + "non-loopback, non-link-local IPv4 address); name the address to serve on with --listen HOST:PORT");
        }
        return new InetSocketAddress(lan, 0);
    }

    /** The address a phone should use: the bound one, or the LAN address when bound to a wildcard. */
    private static InetSocketAddress urlAddress(InetSocketAddress bound) {
        if (bound.getAddress().isAnyLocalAddress()) {
            InetAddress lan = LanAddresses.firstIpv4();
            if (lan != null) {
                return new InetSocketAddress(lan, bound.getPort());
            }
        }
        return bound;
    }

    private static void print(PrintWriter out, PhoneProfile phone, Path file, String url, Duration window) {
        MobileConfig p = phone.profile();
        out.println("Profile for iOS and macOS: " + p.protocolName() + " to " + p.endpoint() + " at "
                + String.join(", ", p.serverAddresses().stream().map(io.netty.util.NetUtil::toAddressString).toList())
                + (phone.caFile() != null ? ", trusting the local CA " + phone.caFile()
                        + " (name-constrained to the gateway's names and private addresses)" : ""));
        out.println("Written to " + file);
        if (p.ca() != null) {
            out.println("CA SHA-256 fingerprint (compare it on the device before trusting the CA): "
                    + p.caFingerprint());
        }
        for (String w : phone.warnings()) {
            out.println("warning: " + w);
        }
        out.println();
        out.println("Serving it for " + Durations.format(window) + " at:");
        out.println();
        out.println("  " + url);
        out.println();
        out.print(TerminalQr.render(url));
        out.println();
        out.print(InstallSteps.text(url, p.ca() != null, p.serverName(), p.protocolName()));
        out.println();
        out.println("The phone must be on the same network as this machine. Ctrl-C stops serving.");
        out.flush();
    }

    private int fail(String message, int code) {
        spec.commandLine().getErr().println("dotgate: " + message);
        return code;
    }
}
