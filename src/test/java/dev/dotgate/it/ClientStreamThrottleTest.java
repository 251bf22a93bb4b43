package dev.dotgate.it;

import static dev.dotgate.it.LimitsSupport.ATTACKER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.limits.LimitCounters.Reason;
import dev.dotgate.resolve.Transport;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * The query rate holds on every stream transport by backpressure, never by dropping: a client at 100 queries a
 * second (burst 100) sends 300 at once over DoT, DoH/2 (curl, parallel streams) and DoH/1.1 (curl, one
 * keep-alive connection); each time all 300 are answered, and it takes the two seconds the rate says.
 */
@ExtendWith(LeakCheck.class)
class ClientStreamThrottleTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void streamsAreSlowedToTheRateAndEveryQueryAnswered() throws Exception {
        String toml = """
                [listen]
                doh = ["127.0.0.1:0"]
                [limits]
                exempt = []
                query_rate = 100
                query_burst = 100
                [policy]
                local = ["x.lim.test A 192.0.2.8"]
                """;
        try (GatewayFixture gw = servers.gateway(b -> b.toml(toml).upstreams(null, "udp://127.0.0.1:9"))) {
            var stats = gw.gateway.stats();
            // DoT: 300 queries in one write
            try (SSLSocket s = dotFrom(ATTACKER, gw.dotPort(), gw.caFile())) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int i = 0; i < 300; i++) {
                    DnsClient.writeFramed(new DataOutputStream(all), DnsClient.query("x.lim.test", Type.A, i).toWire());
                }
                long start = System.nanoTime();
                s.getOutputStream().write(all.toByteArray());
                s.getOutputStream().flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                for (int i = 0; i < 300; i++) {
                    assertThat(DnsClient.readFramed(in).getRcode()).isEqualTo(Rcode.NOERROR);
                }
                assertThat(millisSince(start)).as("DoT").isBetween(1500L, 4000L);
            }
            assertThat(stats.rateLimited.count(Reason.QUERY_RATE, Transport.DOT)).isPositive();

            for (String version : new String[] {"--http2", "--http1.1"}) {
                // Each run from an address of its own: a bucket as full as the DoT client's was.
                String client = version.equals("--http2") ? "127.0.0.4" : "127.0.0.5";
                long before = stats.rateLimited.count(Reason.QUERY_RATE, Transport.DOH);
                Path urls = tmp.resolve("urls" + version);
                StringBuilder cfg = new StringBuilder();
                String dns = Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(DnsClient.query("x.lim.test", Type.A, 0).toWire());
                for (int i = 0; i < 300; i++) {
                    cfg.append("url = \"https://dotgate.test:").append(gw.dohPort()).append("/dns-query?dns=")
                            .append(dns).append("\"\noutput = \"/dev/null\"\n");
                }
                Files.writeString(urls, cfg);
                long start = System.nanoTime();
                // HTTP/2: 100 streams at once on one connection; HTTP/1.1: one request after the other on one
                // keep-alive connection (in parallel curl would open a connection per request).
                boolean h2 = version.equals("--http2");
                Proc.Result r = Proc.run(30, "curl", "-sS", version, "--interface", client, "--cacert",
                        gw.caFile().toString(), "--resolve", "dotgate.test:" + gw.dohPort() + ":127.0.0.1",
                        h2 ? "--parallel" : "--no-progress-meter", "--parallel-max", "100", "-w",
                        "%{http_code} %{num_connects}\\n", "-K", urls.toString());
                long millis = millisSince(start);
                assertThat(r.out().lines().filter(l -> l.startsWith("200 ")).count()).as(version + ": " + r.out())
                        .isEqualTo(300);
                assertThat(r.out().lines().filter(l -> l.endsWith(" 1")).count()).as(version + ": connections")
                        .isOne();
                assertThat(millis).as(version).isBetween(1500L, 6000L);
                assertThat(stats.rateLimited.count(Reason.QUERY_RATE, Transport.DOH)).as(version)
                        .isGreaterThan(before);
            }
            assertThat(stats.rateLimited.total(Reason.INFLIGHT)).isZero();
            assertThat(LimitsSupport.metric(gw, "dotgate_rate_limited_total", "reason=\"query_rate\"",
                    "transport=\"doh\"")).isPositive();
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A DoT connection from {@code source}, verifying the gateway against {@code ca}. */
    static SSLSocket dotFrom(String source, int port, Path ca) throws Exception {
        Socket plain = LimitsSupport.tcpFrom(source, port);
        SSLSocket s = (SSLSocket) DnsClient.trusting(ca).getSocketFactory().createSocket(plain, "127.0.0.1", port,
                true);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[] {"dot"});
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }
}
