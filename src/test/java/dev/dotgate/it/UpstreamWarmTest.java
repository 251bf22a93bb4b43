package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dotgate.upstream.Upstream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A DoT upstream's first connection opens when the gateway starts, before any query, so the first client does not
 * wait for a TCP and TLS handshake to the upstream (about 100 ms of a cold start); the first query then goes on it.
 */
@ExtendWith(LeakCheck.class)
class UpstreamWarmTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    @Test
    void theUpstreamConnectionIsOpenBeforeTheFirstQuery() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b)) {
            Upstream up = gw.gateway.snapshot().routes().defaultGroup().all().get(0);
            Eventually.until(() -> up.counters().connects.sum() == 1 && up.openConnections() == 1,
                    Duration.ofSeconds(5), "one connection to the upstream, opened at start");
            assertThat(gw.gateway.stats().queryCounters.inflight()).isZero();
            assertThat(DnsClient.udp(gw.udp(), DnsClient.query("warm.bench.test.", DnsClient.typeA(), 7), 3000)
                    .getRcode()).isZero();
            assertThat(up.counters().connects.sum()).as("the first query used the warm connection").isEqualTo(1);
        }
    }
}
