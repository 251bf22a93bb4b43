package dev.dotgate.runtime;

import dev.dotgate.config.GatewayConfig;
import dev.dotgate.tls.CertificateReloader;
import dev.dotgate.tls.IdentityHolder;
import dev.dotgate.tls.ServerIdentity;
import dev.dotgate.tls.ServerTls;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate the DoT and DoH listeners serve and the TLS contexts made from it: the user's files (checked,
 * then watched for changes) or the generated identity (renewed before it expires). Both contexts are rebuilt on
 * every change and read for each new connection, so a new certificate takes effect at once. Lives as long as the
 * gateway: the listeners it serves take a restart to change.
 */
public final class ListenerIdentity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerIdentity.class);
    private static final Duration RENEW_CHECK = Duration.ofHours(12);
    /** How often user-supplied certificate files are checked for a change (see CertificateReloader). */
    private static final long CERT_POLL_MILLIS = 2000;

    private final GatewayConfig config;
    private final CertificateReloader reloader;
    private final IdentityHolder holder;
    private volatile SslContext dot;
    private volatile SslContext doh;
    private volatile QuicSslContext doq;

    private ListenerIdentity(GatewayConfig config, CertificateReloader reloader, IdentityHolder holder) {
        this.config = config;
        this.reloader = reloader;
        this.holder = holder;
    }

    /** Loads the identity of {@code config}'s listeners; a generated one is checked for renewal on {@code group}. */
    public static ListenerIdentity start(GatewayConfig config, EventLoopGroup group)
            throws IOException, GeneralSecurityException {
        CertificateReloader reloader = null;
        IdentityHolder holder;
        if (config.listen().cert() != null) {
            reloader = CertificateReloader.start(config.listen().cert(), config.listen().key(), config.serverName(),
                    Duration.ofMillis(Long.getLong("dotgate.certPollMillis", CERT_POLL_MILLIS)));
            holder = reloader.holder();
        } else {
            holder = new IdentityHolder(ServerIdentity.generated(config.dataDir(), config.serverName()));
        }
        ListenerIdentity identity = new ListenerIdentity(config, reloader, holder);
        try {
            holder.onChange(id -> {
                try {
                    SslContext dot = ServerTls.context(id); // both built before either is used
                    SslContext doh = ServerTls.dohContext(id);
                    QuicSslContext doq = config.listen().doq().isEmpty() ? null : ServerTls.doqContext(id);
                    identity.dot = dot;
                    identity.doh = doh;
                    identity.doq = doq;
                } catch (SSLException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            identity.close();
            throw e.getCause();
        }
        group.next().scheduleAtFixedRate(identity::renewIfDue, RENEW_CHECK.toMinutes(), RENEW_CHECK.toMinutes(),
                TimeUnit.MINUTES);
        return identity;
    }

    public IdentityHolder holder() {
        return holder;
    }

    /** The context for a new DoT connection. */
    public SslContext dot() {
        return dot;
    }

    /** The context for a new DoH connection. */
    public SslContext doh() {
        return doh;
    }

    /** The context for a new DoQ connection (null without a DoQ listener). */
    public QuicSslContext doq() {
        return doq;
    }

    /** Reads the user's certificate files again (nothing for a generated one); a bad pair is logged and kept out. */
    public void reloadNow() {
        if (reloader != null) {
            reloader.reloadNow();
        }
    }

    private void renewIfDue() {
        if (config.listen().cert() == null && holder.current().expiresWithin(ServerIdentity.RENEW_BEFORE)) {
            try {
                if (holder.publish(ServerIdentity.generated(config.dataDir(), config.serverName()))) {
                    log.info("renewed the server certificate");
                } else {
                    log.error("could not use the renewed server certificate; trying again in {}h",
                            RENEW_CHECK.toHours());
                }
            } catch (IOException | GeneralSecurityException e) {
                log.error("could not renew the DoT server certificate: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.close();
        }
    }
}
