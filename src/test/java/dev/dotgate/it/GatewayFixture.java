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
                ups, upstreamCa, dataDir, "dotgate.test", timeout));
        gateway = new Gateway(config);
        gateway.start();
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
