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
                        + "0x20=on|off for udp://, ecs=strip|forward, method=POST|GET for https://, pin=BASE64, pool_size=N, "
                        + "timeout=DURATION)");
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

    @Test
    void hostNamesAreTheTlsNameAndNeedBootstrap() throws Exception {
        UpstreamSpec quad9 = parse("tls://dns.quad9.net");
        assertThat(quad9.needsBootstrap()).isTrue();
        assertThat(quad9.authName()).isEqualTo("dns.quad9.net");
        assertThat(quad9.port()).isEqualTo(853);
        assertThat(quad9.toString()).isEqualTo("tls://dns.quad9.net:853");
        UpstreamSpec google = parse("https://dns.google/dns-query");
        assertThat(google.protocol()).isEqualTo(UpstreamSpec.Protocol.HTTPS);
        assertThat(google.port()).isEqualTo(443);
        assertThat(google.path()).isEqualTo("/dns-query");
        assertThat(google.get()).isFalse();
        assertThat(google.toString()).isEqualTo("https://dns.google:443/dns-query");
        assertThat(parse("https://Dns.Google{?dns}")).isEqualTo(google);
        UpstreamSpec adguard = parse("quic://dns.adguard-dns.com");
        assertThat(adguard.port()).isEqualTo(853);
        assertThat(adguard.authName()).isEqualTo("dns.adguard-dns.com");
        UpstreamSpec ip = parse("https://127.0.0.1:8443/q/dns?method=GET#doh.test");
        assertThat(ip.needsBootstrap()).isFalse();
        assertThat(ip.authName()).isEqualTo("doh.test");
        assertThat(ip.path()).isEqualTo("/q/dns");
        assertThat(ip.get()).isTrue();
        assertThat(ip.toString()).isEqualTo("https://127.0.0.1:8443/q/dns?method=GET#doh.test");
        assertThat(parse("quic://[::1]:8853#doq.test").toString()).isEqualTo("quic://[::1]:8853#doq.test");
        for (UpstreamSpec spec : new UpstreamSpec[] {quad9, google, adguard, ip}) {
            assertThat(parse(spec.toString())).isEqualTo(spec);
        }
    }

    @Test
    void pinsAndTuningRoundTripButStayOutOfTheLabel() throws Exception {
        String pin = "n3OZr9O8V6LYSjUvQzpyMa8QYvWj3nlWbN0BFYJVhO0=";
        UpstreamSpec s = parse("tls://dns.example:8853?pin=" + pin + "&pool_size=4&timeout=2s");
        assertThat(s.pins()).containsExactly(pin);
        assertThat(s.poolSize()).isEqualTo(4);
        assertThat(s.timeout()).hasSeconds(2);
        assertThat(parse(s.toString())).isEqualTo(s);
        assertThat(s.label()).isEqualTo("tls://dns.example:8853");
        assertThatThrownBy(() -> parse("tls://dns.example?pin=abc")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("upstream.servers: 'tls://dns.example?pin=abc' has pin 'abc', which is not "
                        + "the base64 of a SHA-256 hash");
        assertThatThrownBy(() -> parse("tls://dns.example?pool_size=0")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'tls://dns.example?pool_size=0' has pool_size 0, outside 1-64");
        assertThatThrownBy(() -> parse("udp://192.0.2.1?pin=" + pin)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("has a key pin, which only tls://, https:// and quic:// upstreams use");
    }

    @Test
    void badHostFormsAreNamed() {
        assertThatThrownBy(() -> parse("udp://dns.example")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'udp://dns.example' has host name 'dns.example': udp:// upstreams "
                        + "take an IP address (a name is for tls://, https:// and quic://, whose certificate "
                        + "proves it)");
        assertThatThrownBy(() -> parse("tls://dns.example#other.example")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("has a host name and a name after '#'");
        assertThatThrownBy(() -> parse("tls://dns.example/path")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'tls://dns.example/path' has a path, which only https:// upstreams "
                        + "use");
        assertThatThrownBy(() -> parse("tls://dns.example?method=GET")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("has option method, which only https:// upstreams use");
        assertThatThrownBy(() -> parse("https://dns.example/q?method=PUT")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'https://dns.example/q?method=PUT' has method 'PUT': use GET or POST");
        assertThatThrownBy(() -> parse("tls://bad_name!")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'tls://bad_name!'");
        assertThatThrownBy(() -> parse("tls://dns.example:99999")).isInstanceOf(ConfigException.class)
                .hasMessage("upstream.servers: 'tls://dns.example:99999' has port 99999, outside 0-65535");
    }
}
