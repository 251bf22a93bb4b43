package dev.dotgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Upstream URIs with options: parsed, written back the same (GatewayConfig.toToml relies on it), bad ones named. */
class UpstreamSpecTest {
    private static UpstreamSpec parse(String uri) throws ConfigException {
        return UpstreamSpec.parse("upstream.servers", uri);
    }

    @Test
    void defaultsAre0x20OnForUdpAndSubnetsStripped() throws Exception {
        UpstreamSpec udp = parse("udp://192.0.2.1");
        assertThat(udp.randomizeCase()).isTrue();
        assertThat(udp.forwardEcs()).isFalse();
        assertThat(udp.toString()).isEqualTo("udp://192.0.2.1:53");
        UpstreamSpec tls = parse("tls://192.0.2.1#dns.example");
        assertThat(tls.randomizeCase()).isFalse();
        assertThat(tls.forwardEcs()).isFalse();
        assertThat(tls.toString()).isEqualTo("tls://192.0.2.1:853#dns.example");
        assertThat(new UpstreamSpec(UpstreamSpec.Protocol.UDP, udp.address(), null)).isEqualTo(udp);
    }

    @Test
    void optionsParseAndRoundTrip() throws Exception {
        UpstreamSpec off = parse("udp://192.0.2.1:5300?0x20=off");
        assertThat(off.randomizeCase()).isFalse();
        assertThat(off.toString()).isEqualTo("udp://192.0.2.1:5300?0x20=off");
        UpstreamSpec both = parse("udp://[2001:db8::1]?ecs=forward&0x20=off");
        assertThat(both.forwardEcs()).isTrue();
        assertThat(both.toString()).isEqualTo("udp://[2001:db8::1]:53?0x20=off&ecs=forward");
        UpstreamSpec tls = parse("tls://192.0.2.1?ecs=forward#dns.example");
        assertThat(tls.forwardEcs()).isTrue();
        assertThat(tls.authName()).isEqualTo("dns.example");
        assertThat(tls.toString()).isEqualTo("tls://192.0.2.1:853?ecs=forward#dns.example");
        assertThat(parse("udp://192.0.2.1?0x20=on&ecs=strip").toString()).isEqualTo("udp://192.0.2.1:53");
        for (UpstreamSpec s : new UpstreamSpec[] {off, both, tls, parse("tcp://192.0.2.9?ecs=forward")}) {
            assertThat(parse(s.toString())).isEqualTo(s);
        }
        UpstreamSpec fallback = parse("udp://192.0.2.1?ecs=forward").tcpFallback();
        assertThat(fallback.toString()).isEqualTo("tcp://192.0.2.1:53?ecs=forward");
    }

    @Test
    void badOptionsAreNamedWithTheirValue() {
        assertThatThrownBy(() -> parse("udp://192.0.2.1?0x20=maybe")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'udp://192.0.2.1?0x20=maybe' has option 0x20=maybe: use 0x20=on or "
                        + "0x20=off");
        assertThatThrownBy(() -> parse("udp://192.0.2.1?ecs")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'udp://192.0.2.1?ecs' has option ecs=: use ecs=forward or ecs=strip");
        assertThatThrownBy(() -> parse("udp://192.0.2.1?case=keep")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'udp://192.0.2.1?case=keep' has unknown option 'case' (known: "
                        + "0x20=on|off for udp://, ecs=strip|forward)");
        assertThatThrownBy(() -> parse("tls://192.0.2.1?0x20=off")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'tls://192.0.2.1?0x20=off' has option 0x20, which only udp:// "
                        + "upstreams use");
        assertThatThrownBy(() -> parse("tls://192.0.2.1#dns.example?ecs=forward"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("write them before it");
        assertThatThrownBy(() -> parse("udp://192.0.2.1?")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'udp://192.0.2.1?' has an empty option list after '?'");
        assertThatThrownBy(() -> parse("udp://192.0.2.1:99999?0x20=off")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'udp://192.0.2.1:99999?0x20=off' has port 99999, outside 0-65535");
    }
}
