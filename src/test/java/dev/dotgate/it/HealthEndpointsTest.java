package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /health} and {@code /ready} on the metrics listener, as a container's health check and Kubernetes'
 * probes use them: healthy while serving; ready once the listeners are bound and an upstream has answered (the
 * gateway probes its upstreams itself, so no client traffic is needed), not ready while none has.
 */
class HealthEndpointsTest {
    @RegisterExtension
    static final Servers servers = new Servers();

    private static HttpResponse<String> get(GatewayFixture gw, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gw.gateway.metricsAddress().getPort() + path)).timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyOnceAnUpstreamHasAnsweredWithoutAnyClientQuery() throws Exception {
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[metrics]\nlisten = \"127.0.0.1:0\"\n"))) {
            HttpResponse<String> health = get(gw, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            Eventually.until(() -> get(gw, "/ready").statusCode() == 200, Duration.ofSeconds(5), "ready");
            assertThat(get(gw, "/ready").body()).isEqualTo("ready\n");
            assertThat(gw.gateway.stats().completed.sum()).as("no client query was needed").isZero();
        }
    }

    @Test
    void notReadyWhileNoUpstreamAnswersAndSaysWhy() throws Exception {
        int dead = Ports.free();
        try (GatewayFixture gw = servers.gateway(b -> b.toml("[metrics]\nlisten = \"127.0.0.1:0\"\n")
                .upstreams(null, "udp://127.0.0.1:" + dead).timeout("300ms"))) {
            assertThat(get(gw, "/health").statusCode()).isEqualTo(200);
            Thread.sleep(700); // the first probes have had their time
            HttpResponse<String> ready = get(gw, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("not ready: no upstream has answered yet\n");
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + gw.gateway.metricsAddress().getPort() + "/ready")).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
        }
    }
}
