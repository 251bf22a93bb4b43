package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Discovery of Designated Resolvers (RFC 9462): dig finds the DoT endpoint, and kdig can use what it says. */
class DiscoveryTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    @TempDir
    Path tmp;

    @Test
    void resolverArpaSvcbNamesTheDotListener() throws Exception {
        // Even a workload limited by an allowlist may discover the gateway's own encrypted endpoint.
        Path allow = Files.writeString(tmp.resolve("allow.txt"), "a.test\n");
        Unbound unbound = servers.unbound();
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[policy]\nallowlist = \"" + allow + "\"\n"))) {
            Proc.Result dig = Proc.run(10, "dig", "@127.0.0.1", "-p", String.valueOf(gw.udpPort()),
                    "_dns.resolver.arpa", "SVCB", "+tries=1");
            assertThat(dig.out()).contains("status: NOERROR").contains("flags: qr aa")
                    .containsPattern("_dns\\.resolver\\.arpa\\.\\s+300\\s+IN\\s+SVCB\\s+1 dotgate\\.test\\. alpn=\"?dot\"?"
                            + " port=\"?" + gw.dotPort() + "\"? ipv4hint=\"?127\\.0\\.0\\.1\"?");
            assertThat(unbound.queriesFor("_dns.resolver.arpa")).isZero();
            // What discovery says works: DoT on that port, verified under that name.
            Proc.Result kdig = Proc.run(15, "kdig", "@127.0.0.1", "-p", String.valueOf(gw.dotPort()),
                    "+tls-ca=" + gw.caFile(), "+tls-hostname=dotgate.test", "a.test");
            assertThat(kdig.out()).contains("NOERROR").contains("192.0.2.1");
            // Other types at that name: NODATA.
            assertThat(Proc.run(10, "dig", "@127.0.0.1", "-p", String.valueOf(gw.udpPort()), "_dns.resolver.arpa",
                    "A", "+tries=1").out()).contains("status: NOERROR").contains("ANSWER: 0");
        }
    }
}
