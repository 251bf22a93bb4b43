package dev.dotgate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.dotgate.config.ListenOptions;
import dev.dotgate.net.Transports;
import dev.dotgate.observe.Stats;
import dev.dotgate.resolve.QueryLifecycleObserver;
import dev.dotgate.resolve.Transport;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A plain listener asked for port 0 gets UDP and TCP on one port even when the port the kernel picked for UDP is
 * already taken for TCP. The test takes thousands of loopback TCP ports first, so that dozens of such collisions
 * happen: without a retry, start() fails.
 */
class ListenersAnyPortTest {
    private static final int STARTS = 40;

    @Test
    void portZeroFindsAPortFreeForUdpAndTcp() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        assumeTrue(Files.isReadable(range) && ManagementFactory.getOperatingSystemMXBean()
                instanceof UnixOperatingSystemMXBean, "needs Linux: the ephemeral port range and descriptor counts");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<ServerSocket> taken = new ArrayList<>();
        EventLoopGroup group = Transports.newGroup(2, "any-port-test");
        try {
            int ports = ephemeralPorts(range);
            // Take 45% of the ephemeral range (leaving the rest to everything else), as far as descriptors allow.
            int budget = Math.min((int) (ports * 0.45), freeDescriptors() - 1_000);
            for (int i = 0; i < budget; i++) {
                taken.add(new ServerSocket(0, 1, loopback));
            }
            double share = (double) taken.size() / ports;
            // Chance that no start at all meets a taken port: a run this likely to pass unfixed would prove nothing.
            assumeTrue(Math.pow(1 - share, STARTS) < 1e-4, "too few file descriptors to take enough ports: took "
                    + taken.size() + " of " + ports);

            ListenOptions options = new ListenOptions(List.of(new InetSocketAddress(loopback, 0)), List.of(),
                    List.of(), List.of(), null, null, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), 10,
                    10, 100, List.of());
            for (int i = 0; i < STARTS; i++) {
                Stats stats = new Stats();
                dev.dotgate.resolve.Resolver failing = exchange -> exchange.fail(2);
                QueryIntake intake = new QueryIntake(() -> failing, stats.server, stats.queryCounters,
                        QueryLifecycleObserver.NONE, () -> null);
                Listeners listeners = new Listeners(options, dev.dotgate.config.LimitsOptions.defaults(), group, 2, intake, stats.server, stats.tls, stats.rateLimited, () -> null, () -> null, () -> null,
                        ConnectionObserver.NONE);
                try {
                    listeners.start();
                    int udp = listeners.address(Transport.UDP, 0).getPort();
                    int tcp = listeners.address(Transport.TCP, 0).getPort();
                    assertThat(tcp).as("start %d", i).isEqualTo(udp);
                    assertThat(listeners.bound()).as("start %d", i)
                            .containsExactly("udp 127.0.0.1:" + udp, "tcp 127.0.0.1:" + udp);
                } finally {
                    listeners.stopAccepting();
                    listeners.closeAll();
                }
            }
        } finally {
            for (ServerSocket s : taken) {
                s.close();
            }
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    private static int freeDescriptors() {
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return (int) Math.min(Integer.MAX_VALUE, os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount());
    }

    private static int ephemeralPorts(Path file) throws IOException {
        String[] range = Files.readAllLines(file).get(0).trim().split("\\s+");
        return Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
    }
}
