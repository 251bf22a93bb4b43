package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 queries held back by the client's query rate (1 a second, burst 1; loopback not exempt): a stream the
 * client resets while its query waits is forgotten, not resolved later, and a connection whose queries wait is
 * not closed as idle.
 */
@ExtendWith(LeakCheck.class)
class DohHeldStreamsTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    GatewayFixture gw;
    EventLoopGroup group;

    void start(String idleTimeout) throws Exception {
        gw = servers.gateway(b -> b.toml("""
                [listen]
                doh = ["127.0.0.1:0"]
                idle_timeout = "%s"
                [limits]
                exempt = []
                query_rate = 1
                query_burst = 1
                [policy]
                local = ["x.held.test A 192.0.2.8"]
                """.formatted(idleTimeout)).upstreams(null, "udp://127.0.0.1:9"));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void aStreamResetWhileItsQueryIsHeldIsNeverResolved() throws Exception {
        start("30s");
        var stats = gw.gateway.stats();
        try (H2Client c = new H2Client(group, gw.dohPort(), gw.caFile())) {
            assertThat(c.response(c.send(H2Client.get("x.held.test"), true), 5).status()).isEqualTo("200");
            List<Http2FrameStream> held = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                held.add(c.send(H2Client.get("x.held.test"), true, false)); // the bucket is empty: held
            }
            c.flush();
            for (Http2FrameStream s : held) {
                c.channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(s)).sync();
            }
            long queries = stats.queries.sum();
            Thread.sleep(2500); // two tokens' worth
            assertThat(stats.queries.sum() - queries).as("queries of reset streams resolved").isZero();
            // The connection goes on: a new query is served.
            assertThat(c.response(c.send(H2Client.get("x.held.test"), true), 5).status()).isEqualTo("200");
            assertThat(stats.queries.sum() - queries).isOne();
        }
    }

    @Test
    void queriesHeldLongerThanTheIdleTimeoutKeepTheConnectionOpen() throws Exception {
        start("500ms");
        try (H2Client c = new H2Client(group, gw.dohPort(), gw.caFile())) {
            List<Http2FrameStream> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // answered at 0, 1 and 2 s: each wait is twice the idle timeout
                streams.add(c.send(H2Client.get("x.held.test"), true, false));
            }
            c.flush();
            for (Http2FrameStream s : streams) {
                H2Client.Response r = c.response(s, 5);
                assertThat(r).as("stream %d", s.id()).isNotNull();
                assertThat(r.status()).as("stream %d", s.id()).isEqualTo("200");
            }
        }
    }
}
