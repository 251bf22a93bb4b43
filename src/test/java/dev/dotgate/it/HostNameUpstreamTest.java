package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dotgate.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/**
 * An upstream named by host name ({@code tls://upstream.test:PORT}), its addresses from a bootstrap resolver (an
 * Unbound whose local data says where upstream.test is): resolved at start, IPv6 tried and IPv4 taken when the
 * IPv6 address refuses, resolved again when the TTL runs out (the name moves to another Unbound on 127.0.0.2 and
 * the queries follow, the bootstrap resolver restarted meanwhile), and a name that cannot be resolved at start is
 * an error naming the upstream and the bootstrap server.
 */
@ExtendWith(LeakCheck.class)
class HostNameUpstreamTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @TempDir
    Path tmp;

    private static Message ask(GatewayFixture gw, String name, int id) throws Exception {
        Message m = DnsClient.udp(gw.udp(), DnsClient.query(name, Type.A, id), 5000);
        assertThat(m).as(name).isNotNull();
        return m;
    }

    @Test
    void aHostNameIsResolvedThroughTheBootstrapAndAgainWhenItsTtlRunsOut() throws Exception {
        Unbound first = servers.ownUnbound();
        Unbound second = servers.ownUnbound("", "127.0.0.2", first.port());
        Unbound boot = servers.ownUnbound("""
                local-data: "upstream.test. 1 IN A 127.0.0.1"
                local-data: "upstream.test. 1 IN AAAA ::1"
                """);
        Path bundle = tmp.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(first.caFile()) + Files.readString(second.caFile()));
        String toml = "[upstream]\nbootstrap = [\"udp://127.0.0.1:" + boot.plainPort() + "\"]\n";
        try (GatewayFixture gw = servers.gateway(b -> b.upstreams(bundle, "tls://upstream.test:" + first.port())
                .toml(toml))) {
            // ::1 refuses (nothing listens there), 127.0.0.1 answers.
            assertThat(ask(gw, "one.bench.test", 1).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(first.queriesFor("one.bench.test")).isOne();

            // upstream.test moves to 127.0.0.2; the bootstrap resolver is down a moment while it changes.
            Path conf = boot.dir().resolve("unbound.conf");
            boot.kill();
            Files.writeString(conf, Files.readString(conf).replace("upstream.test. 1 IN A 127.0.0.1",
                    "upstream.test. 1 IN A 127.0.0.2"));
            Thread.sleep(1500); // a refresh fails meanwhile: the last addresses are kept
            assertThat(ask(gw, "two.bench.test", 2).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(first.queriesFor("two.bench.test")).as("still the first").isOne();
            boot.start();
            int[] n = {3};
            Eventually.until(() -> {
                String name = "moved" + n[0] + ".bench.test";
                ask(gw, name, n[0]++);
                return second.queriesFor(name) == 1;
            }, Duration.ofSeconds(15), "queries reaching the upstream's new address");
        }
    }

    @Test
    void aNameThatCannotBeResolvedAtStartNamesTheUpstreamAndTheBootstrapServer() throws Exception {
        Unbound boot = servers.unbound();
        String toml = "[upstream]\nbootstrap = [\"udp://127.0.0.1:" + boot.plainPort() + "\"]\n";
        assertThatThrownBy(() -> servers.gateway(b -> b.upstreams(null, "tls://nowhere.test:853").toml(toml)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'tls://nowhere.test:853' cannot resolve nowhere.test through the "
                        + "bootstrap resolvers 127.0.0.1:" + boot.plainPort() + ": NXDOMAIN");
    }
}
