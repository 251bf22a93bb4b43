package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thousand connections to the DoT port (and a few hundred to DoH), each sending one TLS record whose
 * ClientHello header declares 16 MiB, held open: the gateway must refuse them without reserving the declared
 * size, so its memory stays within 100 MB, and keep answering kdig over DoT and dig over UDP during and after.
 */
class ClientHelloFloodTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    /** 1000 by default; {@code -Dflood.connections=60} shows the old code failing without taking 16 GB. */
    static final int DOT_CONNECTIONS = Integer.getInteger("flood.connections", 1000);
    static final int DOH_CONNECTIONS = 200;
    static final long BOUND = 100L << 20;
    /**
     * A handshake record of 5 bytes: ClientHello (1), length 0xFFFFFF (16 MiB), then one byte of it. The record
     * is complete, so the hello's declared length is read at once.
     */
    static final byte[] HELLO_16M = {22, 3, 1, 0, 5, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 3};

    @TempDir
    Path tmp;

    @Test
    void oversizedClientHellosAreRefusedWithinAMemoryBoundAndClientsAreServed() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        try (GatewayFixture gw = servers.gateway(b -> b.toml("""
                        [listen]
                        doh = ["127.0.0.1:0"]
                        max_connections = 4000
                        [events]
                        sink = "%s"
                        """.formatted(events)).timeout("3s"))) {
            assertServed(gw); // warm: TLS contexts, upstream connection, cache
            long before = usedMemory();
            List<Socket> held = new ArrayList<>();
            long peak = 0;
            try {
                for (int i = 0; i < DOT_CONNECTIONS + DOH_CONNECTIONS; i++) {
                    held.add(send(i < DOT_CONNECTIONS ? gw.dotPort() : gw.dohPort()));
                    if (i % 100 == 99) {
                        peak = Math.max(peak, usedMemory() - before);
                    }
                }
                long[] sampled = {peak};
                Pace.sampleFor(Duration.ofSeconds(1), Duration.ofMillis(100), // the attackers hold their sockets
                        () -> sampled[0] = Math.max(sampled[0], usedMemory() - before));
                peak = sampled[0];
                assertServed(gw); // during: the attackers' sockets are still open on our side
                peak = Math.max(peak, usedMemory() - before);
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            System.out.printf("peak memory growth over %d + %d connections: %d KiB%n", DOT_CONNECTIONS,
                    DOH_CONNECTIONS, peak >> 10);
            assertThat(peak).as("memory growth (Netty direct + NIO direct + heap), bytes").isLessThan(BOUND);
            assertServed(gw);
            assertThat(gw.gateway.stats().tls.clientHelloTooLong.sum())
                    .isEqualTo(DOT_CONNECTIONS + DOH_CONNECTIONS);
            String scrape = gw.gateway.metrics().scrape();
            assertThat(scrape).contains("dotgate_tls_client_hello_too_long_total "
                    + (double) (DOT_CONNECTIONS + DOH_CONNECTIONS));
            assertThat(scrape).contains("dotgate_dot_handshake_failures_total{cause=\"client_hello_too_long\"} "
                    + (double) DOT_CONNECTIONS);
            EventLog.awaitLinesContaining(events, "\"client_hello_too_long\"", 1);
            assertThat(Files.readString(events)).contains("\"client_hello_too_long\"");
        }
    }

    private static Socket send(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
        try {
            s.getOutputStream().write(HELLO_16M);
        } catch (IOException e) {
            // already closed by the gateway: fine
        }
        return s;
    }

    /** Direct memory (Netty's own count where it keeps one, plus NIO's) and heap, after a GC. */
    private static long usedMemory() {
        System.gc();
        long netty = Math.max(0, PlatformDependent.usedDirectMemory());
        long nio = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                nio = pool.getMemoryUsed();
            }
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return netty + nio + heap;
    }

    private static void assertServed(GatewayFixture gw) {
        Proc.Result kdig = Proc.run(15, "kdig", "@127.0.0.1", "-p", "" + gw.dotPort(), "+tls-ca=" + gw.caFile(),
                "+tls-hostname=localhost", "a.test", "A");
        assertThat(kdig.out()).contains("status: NOERROR").contains("192.0.2.1");
        Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", "" + gw.udpPort(), "a.test", "A", "+tries=1",
                "+timeout=3");
        assertThat(dig.out()).contains("status: NOERROR").contains("192.0.2.1");
    }
}
