package dev.dotgate.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The listeners' TLS context keeps no session per handshake (a Netty server with BoringSSL on loopback, the
 * JDK's client): resumption still works over TLS 1.3 tickets, and a TLS 1.2 handshake leaves nothing cached behind.
 */
class ServerTlsSessionsTest {
    private static TestPki.Issued ca;
    private static ServerIdentity identity;

    @BeforeAll
    static void pki() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), "netty-tcnative BoringSSL is part of the build");
        ca = TestPki.root("sessions CA");
        TestPki.Issued leaf = TestPki.leaf(ca, "dot.test");
        identity = new ServerIdentity(List.of(leaf.cert(), ca.cert()), leaf.key(), null);
    }

    @Test
    void handshakesLeaveNoSessionInTheServerCache() throws Exception {
        try (Listener server = new Listener(ServerTls.context(identity))) {
            SSLContext client = client();
            for (int i = 0; i < 10; i++) {
                server.handshake(client, "TLSv1.2");
                server.handshake(client, "TLSv1.3");
            }
            OpenSslSessionContext sessions = (OpenSslSessionContext) server.context.sessionContext();
            assertThat(sessions.isSessionCacheEnabled()).isFalse();
            assertThat(sessions.stats().number()).as("sessions held by the server").isZero();
        }
    }

    @Test
    void tls13ClientsStillResumeWithTickets() throws Exception {
        try (Listener server = new Listener(ServerTls.context(identity))) {
            SSLContext client = client();
            assertThat(server.handshake(client, "TLSv1.3")).as("first handshake resumed").isFalse();
            assertThat(server.handshake(client, "TLSv1.3")).as("second handshake resumed").isTrue();
        }
    }

    private static SSLContext client() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }

    /**
     * A Netty server on loopback using one context: it writes one byte when a handshake is done (so TLS 1.3
     * tickets go out with it) and reports whether it resumed the session.
     */
    private static final class Listener implements AutoCloseable {
        final SslContext context;
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final BlockingQueue<Object> resumed = new LinkedBlockingQueue<>();
        final int port;

        Listener(SslContext context) throws InterruptedException {
            this.context = context;
            Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler tls = context.newHandler(ch.alloc());
                            ch.pipeline().addLast(tls);
                            tls.handshakeFuture().addListener(f -> {
                                if (!f.isSuccess()) {
                                    resumed.add(f.cause());
                                    return;
                                }
                                var engine = (ReferenceCountedOpenSslEngine) tls.engine();
                                resumed.add(SSL.isSessionReused(engine.sslPointer()));
                                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'}));
                            });
                        }
                    }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            port = ((InetSocketAddress) ch.localAddress()).getPort();
        }

        /** One connection from {@code client}; true if the server resumed its session. */
        boolean handshake(SSLContext client, String protocol) throws Exception {
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setEnabledProtocols(new String[] {protocol});
                s.setSoTimeout(5000);
                s.startHandshake();
                assertThat(s.getInputStream().read()).isEqualTo('x');
                assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
            }
            Object r = resumed.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("the server's handshake outcome").isInstanceOf(Boolean.class);
            return (Boolean) r;
        }

        @Override
        public void close() throws InterruptedException {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            ReferenceCountUtil.release(context);
        }
    }
}
