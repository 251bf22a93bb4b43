package dev.dotgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dotgate.it.Ports;
import dev.dotgate.it.Proc;
import dev.dotgate.it.Unbound;
import dev.dotgate.net.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Type=notify}: a gateway started with {@code $NOTIFY_SOCKET} says READY=1 once it serves, RELOADING=1 and
 * READY=1 around a SIGHUP reload, and STOPPING=1 at SIGTERM, as datagrams on that socket, the way systemd
 * receives them (a path, or an abstract name written with {@code @}).
 */
class SystemdNotifyTest {
    @TempDir
    Path tmp;

    private EventLoopGroup group;
    private Channel receiver;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    @BeforeEach
    void epoll() {
        assumeTrue(Transports.epoll(), "AF_UNIX datagrams in the test need Netty's epoll transport");
        group = Transports.newGroup(1, "notify-test");
    }

    @AfterEach
    void close() {
        if (receiver != null) {
            receiver.close().awaitUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    @Test
    void tellsTheNotifySocketWhenItServesReloadsAndStops() throws Exception {
        Path socket = tmp.resolve("notify.sock");
        listen(socket.toString());
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"))) {
            int port = Ports.free();
            Process p = gateway(socket.toString(), port, unbound);
            try {
                String ready = next();
                assertThat(ready).startsWith("READY=1\n").contains("STATUS=serving on [udp 127.0.0.1:" + port);
                // ready means serving: asked at once, without waiting for the port
                assertThat(Proc.run(10, "dig", "@127.0.0.1", "-p", "" + port, "+tries=1", "a.test", "+short")
                        .out().strip()).isEqualTo("192.0.2.1");
                Proc.run(5, "kill", "-HUP", "" + p.pid());
                String reloading = next();
                assertThat(reloading).startsWith("RELOADING=1\nMONOTONIC_USEC=");
                long usec = Long.parseLong(reloading.lines().toList().get(1).substring("MONOTONIC_USEC=".length()));
                assertThat(usec).as("CLOCK_MONOTONIC in microseconds, as the kernel counts it")
                        .isBetween(uptimeMicros() - 60_000_000L, uptimeMicros() + 60_000_000L);
                assertThat(next()).startsWith("READY=1\n");
                p.destroy(); // SIGTERM
                assertThat(next()).startsWith("STOPPING=1");
                assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void anAbstractSocketNameIsReachedToo() throws Exception {
        String name = "dotgate-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        listen("\0" + name);
        try (Unbound unbound = new Unbound(tmp.resolve("unbound"))) {
            Process p = gateway("@" + name, Ports.free(), unbound);
            try {
                assertThat(next()).startsWith("READY=1\n");
            } finally {
                p.destroyForcibly();
            }
        }
    }

    private void listen(String path) {
        receiver = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(path)).syncUninterruptibly().channel();
    }

    private Process gateway(String notifySocket, int port, Unbound unbound) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--allow-root", "--listen", "127.0.0.1:" + port, "--dot-listen", "127.0.0.1:0", "--data-dir",
                tmp.resolve("data").toString(), "--upstream", unbound.uri(), "--upstream-ca",
                unbound.caFile().toString(), "--dnssec", "process"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("run.log").toFile());
        pb.environment().put("NOTIFY_SOCKET", notifySocket);
        return pb.start();
    }

    /** The next state message, within 20 s. */
    private String next() throws Exception {
        String m = received.poll(20, TimeUnit.SECONDS);
        assertThat(m).as("a message on the notify socket; the gateway's log:\n%s",
                Files.readString(tmp.resolve("run.log"))).isNotNull();
        return m;
    }

    /** The time since boot in microseconds ({@code /proc/uptime}): CLOCK_MONOTONIC on a machine that never slept. */
    private static long uptimeMicros() throws IOException {
        String first = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
        return (long) (Double.parseDouble(first) * 1_000_000);
    }
}
