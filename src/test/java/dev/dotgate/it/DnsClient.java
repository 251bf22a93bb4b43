package dev.dotgate.it;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.nio.file.Files;
import java.io.InputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** A test client independent of the gateway's code: dnsjava builds and parses, the JDK does sockets and TLS. */
public final class DnsClient {
    private DnsClient() {
    }

    public static Message query(String name, int type, int id) {
        try {
            Message m = Message.newQuery(Record.newRecord(Name.fromString(name.endsWith(".") ? name : name + "."), type, DClass.IN));
            m.getHeader().setID(id);
            return m;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** One UDP exchange; null on timeout. */
    /**
     * 40 queries for distinct names ({@code prefix} + N + ".bench.test", type A) sent to {@code server} over UDP
     * from 8 threads at once; their rcodes in order, -1 for a query unanswered within 5 s.
     */
    public static java.util.List<Integer> udpBurst(InetSocketAddress server, String prefix) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> out = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                out.add(pool.submit(() -> {
                    Message m = udp(server, query(prefix + n + ".bench.test", Type.A, n), 5000);
                    return m == null ? -1 : m.getRcode();
                }));
            }
            java.util.List<Integer> rcodes = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<Integer> f : out) {
                rcodes.add(f.get());
            }
            return rcodes;
        } finally {
            pool.shutdown();
        }
    }

    public static Message udp(InetSocketAddress server, Message query, int timeoutMillis) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(timeoutMillis);
            byte[] wire = query.toWire();
            s.send(new DatagramPacket(wire, wire.length, server));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            byte[] data = new byte[p.getLength()];
            System.arraycopy(buf, 0, data, 0, data.length);
            return new Message(data);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** A JDK TLS socket to a DoT server, verifying its certificate against {@code ca} and offering ALPN "dot". */
    public static SSLSocket dot(int port, Path ca) throws Exception {
        return tls(port, ca, "dot");
    }

    /** A JDK TLS socket verifying the server against {@code ca}, offering ALPN {@code alpn}. */
    public static SSLSocket tls(int port, Path ca, String alpn) throws Exception {
        SSLSocket s = (SSLSocket) trusting(ca).getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(new String[] {alpn});
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /** A TLS context that trusts only the CA certificate in {@code ca}. */
    public static SSLContext trusting(Path ca) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            ks.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    public static void writeFramed(DataOutputStream out, byte[] msg) throws IOException {
        out.writeShort(msg.length);
        out.write(msg);
    }

    public static Message readFramed(DataInputStream in) throws IOException {
        int len = in.readUnsignedShort();
        byte[] b = new byte[len];
        in.readFully(b);
        return new Message(b);
    }

    public static int typeA() {
        return Type.A;
    }
}
