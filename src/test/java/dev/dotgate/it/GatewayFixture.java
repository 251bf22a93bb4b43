package dev.dotgate.it;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.dotgate.Gateway;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.resolve.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A gateway started in this JVM on loopback ports chosen by the kernel, with its data directory in a temp dir.
 * Build one with {@link #builder()} (or through {@link Servers#gateway}, which also stops it); the constructor
 * and {@link #fromToml} are the older spellings of the same.
 */
public final class GatewayFixture implements AutoCloseable {
    public final Gateway gateway;
    public final GatewayConfig config;
    /** Where the config file and the data directory are (the parent of the data directory). */
    private final Path dir;
    private boolean closed;

    public GatewayFixture(Path dataDir, Path upstreamCa, String timeout, String... upstreams) throws Exception {
        this(load(null, List.of(upstreams), upstreamCa, dataDir, timeout), dataDir.getParent(), null);
    }

    private GatewayFixture(GatewayConfig config, Path dir, Ticker cacheTicker) throws Exception {
        this.config = config;
        this.dir = dir;
        gateway = cacheTicker == null ? new Gateway(config) : new Gateway(config, cacheTicker);
        gateway.start();
    }

    /** Where a builder finds its default upstream when the test names none (the shared Unbound, lazily). */
    @FunctionalInterface
    public interface UpstreamSource {
        Unbound get() throws IOException;
    }

    /** Settings for a gateway; every one has a default but the directory. */
    public static final class Builder {
        private Path dir;
        private String toml;
        private Path ca;
        private String timeout = "2s";
        private List<String> upstreams;
        private UpstreamSource defaultUpstream;
        private UnaryOperator<GatewayConfig> tweak = c -> c;
        private Ticker cacheTicker;

        private Builder() {
        }

        /** The directory for the config file ({@code dotgate.toml}) and the data directory ({@code data}). */
        public Builder dir(Path dir) {
            this.dir = dir;
            return this;
        }

        /** A config file with this content (else none: built from flags alone). */
        public Builder toml(String toml) {
            this.toml = toml;
            return this;
        }

        /** {@code upstream.timeout} ("2s" by default). */
        public Builder timeout(String timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Forwards to {@code unbound} over DoT, trusting its CA. */
        public Builder upstream(Unbound unbound) {
            return upstreams(unbound.caFile(), unbound.uri());
        }

        /** Forwards to {@code uris}, trusting the CA in {@code ca} (null: the system's) for DoT. */
        public Builder upstreams(Path ca, String... uris) {
            this.ca = ca;
            this.upstreams = List.of(uris);
            return this;
        }

        /** The upstream used when none is named (set by {@link Servers}). */
        Builder upstreamOf(UpstreamSource source) {
            this.defaultUpstream = source;
            return this;
        }

        /** Adjusts settings that have no config key. */
        public Builder tweak(UnaryOperator<GatewayConfig> tweak) {
            this.tweak = tweak;
            return this;
        }

        /** The clock the answer cache ages its entries by (see {@link ManualTicker}). */
        public Builder cacheTicker(Ticker ticker) {
            this.cacheTicker = ticker;
            return this;
        }

        /** The config {@link #start} would run. */
        public GatewayConfig config() throws Exception {
            if (dir == null) {
                throw new IllegalStateException("no directory for the gateway");
            }
            if (upstreams == null) {
                if (defaultUpstream == null) {
                    throw new IllegalStateException("no upstream for the gateway");
                }
                upstream(defaultUpstream.get());
            }
            Files.createDirectories(dir);
            Path file = null;
            if (toml != null) {
                file = dir.resolve("dotgate.toml");
                Files.writeString(file, toml);
            }
            return tweak.apply(load(file, upstreams, ca, dir.resolve("data"), timeout));
        }

        public GatewayFixture start() throws Exception {
            return new GatewayFixture(config(), dir, cacheTicker);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A gateway from a TOML config (written to {@code dir/dotgate.toml}) plus loopback listeners on free ports,
     * {@code upstreams} and the test CA; {@code tweak} may adjust settings that have no config key.
     */
    public static GatewayFixture fromToml(Path dir, String toml, Path upstreamCa, String timeout,
            UnaryOperator<GatewayConfig> tweak, String... upstreams) throws Exception {
        return builder().dir(dir).toml(toml).upstreams(upstreamCa, upstreams).timeout(timeout).tweak(tweak).start();
    }

    /** The config this gateway's builder would make with {@code toml} as its file, for {@link Gateway#reload}. */
    public GatewayConfig reconfigured(String toml, String... upstreams) throws Exception {
        return reconfigured(dir, toml, upstreams);
    }

    /** The config that {@link #fromToml} would build for {@code toml} in {@code dir}, for {@link Gateway#reload}. */
    public GatewayConfig reconfigured(Path dir, String toml, String... upstreams) throws Exception {
        Path file = dir.resolve("dotgate.toml");
        Files.writeString(file, toml);
        List<String> ups = upstreams.length > 0 ? List.of(upstreams)
                : config.upstream().servers().stream().map(Object::toString).toList();
        return load(file, ups, config.upstream().ca(), dir.resolve("data"),
                dev.dotgate.config.Durations.format(config.upstream().timeout()));
    }

    /**
     * The one place the fixture turns its settings into flags for the config loader. A config that says nothing of
     * {@code [dnssec]} gets {@code mode = "process"}: the suite's Unbound serves unsigned test zones under no root
     * the built-in anchors could prove insecure, so only the DNSSEC tests, which bring their own signed root and
     * anchor, validate.
     */
    private static GatewayConfig load(Path file, List<String> upstreams, Path ca, Path dataDir, String timeout)
            throws Exception {
        if (file != null && !Files.readString(file).contains("dnssec")) {
            Files.writeString(file, Files.readString(file) + "\n[dnssec]\nmode = \"process\"\n");
        } else if (file == null) {
            file = dataDir.resolveSibling("dotgate.toml");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "[dnssec]\nmode = \"process\"\n");
        }
        return ConfigLoader.load(file, ConfigLoader.Overrides.basic(List.of("127.0.0.1:0"), List.of("127.0.0.1:0"),
                new ArrayList<>(upstreams), ca, dataDir, "dotgate.test", timeout), dev.dotgate.policy.PolicyLoader::check);
    }

    public int udpPort() {
        return gateway.address(Transport.UDP).getPort();
    }

    public int tcpPort() {
        return gateway.address(Transport.TCP).getPort();
    }

    public int dotPort() {
        return gateway.address(Transport.DOT).getPort();
    }

    public int dohPort() {
        return gateway.address(Transport.DOH).getPort();
    }

    public int doqPort() {
        return gateway.address(Transport.DOQ).getPort();
    }

    public InetSocketAddress udp() {
        return gateway.address(Transport.UDP);
    }

    public Path caFile() {
        return gateway.identity().caFile();
    }

    /** Stops the gateway (at most once, so a test may close what {@link Servers} will close too). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            gateway.stop(Duration.ofMillis(500));
        }
    }
}
