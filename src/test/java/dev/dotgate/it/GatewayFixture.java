package dev.dotgate.it;

import dev.dotgate.Gateway;
import dev.dotgate.config.ConfigLoader;
import dev.dotgate.config.GatewayConfig;
import dev.dotgate.resolve.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A gateway started in this JVM on loopback ports chosen by the kernel, with its data directory in a temp dir. */
public final class GatewayFixture implements AutoCloseable {
    public final Gateway gateway;
    public final GatewayConfig config;

    public GatewayFixture(Path dataDir, Path upstreamCa, String timeout, String... upstreams) throws Exception {
        List<String> ups = new ArrayList<>(List.of(upstreams));
        config = ConfigLoader.load(null, ConfigLoader.Overrides.basic(List.of("127.0.0.1:0"), List.of("127.0.0.1:0"),
                ups, upstreamCa, dataDir, "dotgate.test", timeout), dev.dotgate.policy.PolicyLoader::check);
        gateway = new Gateway(config);
        gateway.start();
    }

    private GatewayFixture(GatewayConfig config) throws Exception {
        this.config = config;
        gateway = new Gateway(config);
        gateway.start();
    }

    /**
     * A gateway from a TOML config (written to {@code dir/dotgate.toml}) plus loopback listeners on free ports,
     * {@code upstreams} and the test CA; {@code tweak} may adjust settings that have no config key.
     */
    public static GatewayFixture fromToml(Path dir, String toml, Path upstreamCa, String timeout,
            java.util.function.UnaryOperator<GatewayConfig> tweak, String... upstreams) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        Path file = dir.resolve("dotgate.toml");
        java.nio.file.Files.writeString(file, toml);
        GatewayConfig cfg = ConfigLoader.load(file, ConfigLoader.Overrides.basic(List.of("127.0.0.1:0"),
                List.of("127.0.0.1:0"), List.of(upstreams), upstreamCa, dir.resolve("data"), "dotgate.test",
                timeout), dev.dotgate.policy.PolicyLoader::check);
        return new GatewayFixture(tweak.apply(cfg));
    }

    /** The config that {@link #fromToml} would build for {@code toml}, for {@link Gateway#reload}. */
    public GatewayConfig reconfigured(Path dir, String toml, String... upstreams) throws Exception {
        Path file = dir.resolve("dotgate.toml");
        java.nio.file.Files.writeString(file, toml);
        List<String> ups = upstreams.length > 0 ? List.of(upstreams)
                : config.upstream().servers().stream().map(Object::toString).toList();
        return ConfigLoader.load(file, ConfigLoader.Overrides.basic(List.of("127.0.0.1:0"),
                List.of("127.0.0.1:0"), ups, config.upstream().ca(), dir.resolve("data"), "dotgate.test",
                dev.dotgate.config.Durations.format(config.upstream().timeout())), dev.dotgate.policy.PolicyLoader::check);
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

    public InetSocketAddress udp() {
        return gateway.address(Transport.UDP);
    }

    public Path caFile() {
        return gateway.identity().caFile();
    }

    @Override
    public void close() {
        gateway.stop(Duration.ofMillis(500));
    }
}
