package dev.dotgate.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dotgate.config.UpstreamOptions;
import dev.dotgate.config.UpstreamSpec;
import io.netty.channel.DefaultEventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One factory per URI scheme, and the setup as the value that decides whether a running upstream is kept. */
class UpstreamFactoriesTest {
    private final DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    private final UpstreamFactories factories = UpstreamFactories.standard(group, null, new UpstreamTotals());

    @AfterEach
    void close() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static UpstreamSetup setup(String uri, Duration timeout) throws Exception {
        UpstreamSpec spec = UpstreamSpec.parse("upstream", uri);
        return UpstreamSetup.of(spec, new UpstreamOptions(List.of(spec), List.of(), "round_robin", false, null, timeout, 2, 100, Duration.ofSeconds(8),
                Duration.ofSeconds(1)), 1232);
    }

    @Test
    void eachSchemeIsBuiltByItsFactory() throws Exception {
        for (String uri : List.of("tcp://127.0.0.1:53", "udp://127.0.0.1:53", "tls://127.0.0.1:853#dns.example")) {
            UpstreamSetup s = setup(uri, Duration.ofSeconds(3));
            Upstream u = factories.create(s, new UpstreamCounters());
            try {
                assertThat(u.name()).isEqualTo(uri);
                assertThat(u).isInstanceOf(s.scheme().equals("udp") ? DatagramUpstream.class : StreamUpstream.class);
                assertThat(factories.forScheme(s.scheme()).scheme()).isEqualTo(uri.substring(0, 3));
            } finally {
                u.close();
            }
        }
    }

    @Test
    void anUnknownSchemeIsNamed() {
        assertThatThrownBy(() -> factories.forScheme("doq")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("has scheme doq://, which this build cannot reach (it serves "
                        + String.join(", ", factories.schemes()) + ")");
    }

    @Test
    void aLaterFactoryForASchemeReplacesTheEarlierOne() throws Exception {
        Upstream marker = factories.create(setup("tcp://127.0.0.1:53", Duration.ofSeconds(3)), new UpstreamCounters());
        try {
            UpstreamFactories f = UpstreamFactories.of(factories.forScheme("tcp"),
                    UpstreamFactories.factory("tcp", (setup, counters) -> marker));
            assertThat(f.create(setup("tcp://127.0.0.1:53", Duration.ofSeconds(3)), new UpstreamCounters()))
                    .isSameAs(marker);
        } finally {
            marker.close();
        }
    }

    @Test
    void equalSetupsMeanTheSameUpstreamAndAnyChangedSettingANewOne() throws Exception {
        assertThat(setup("tls://127.0.0.1:853", Duration.ofSeconds(3)))
                .isEqualTo(setup("tls://127.0.0.1:853", Duration.ofSeconds(3)))
                .hasSameHashCodeAs(setup("tls://127.0.0.1:853", Duration.ofSeconds(3)))
                .isNotEqualTo(setup("tls://127.0.0.1:853", Duration.ofSeconds(4)))
                .isNotEqualTo(setup("tls://127.0.0.1:853?ecs=forward", Duration.ofSeconds(3)));
        UpstreamSetup udp = setup("udp://127.0.0.1:53", Duration.ofSeconds(3));
        assertThat(udp.withSpec(udp.spec().tcpFallback()).scheme()).isEqualTo("tcp");
        assertThat(udp.withSpec(udp.spec().tcpFallback()).timeout()).isEqualTo(udp.timeout());
    }
}
