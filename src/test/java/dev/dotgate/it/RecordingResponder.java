package dev.dotgate.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;

/**
 * A small real UDP DNS server on loopback (a {@link DatagramSocket} and one thread) that records every query it
 * gets, as it came: the source port, the ID, the question name's bytes (letter case included), the OPT record's
 * payload size (-1 without one), option codes and client subnet ("192.0.2.0/24", or null). It answers every name with A 192.0.2.1, built by hand so nothing normalises the
 * question, in one of the ways {@link Mode} names, chosen per query by {@code mode}.
 */
public final class RecordingResponder implements AutoCloseable {
    /** How a query is answered. */
    public enum Mode {
        /** At once, the question echoed byte for byte. */
        ECHO,
        /** At once, the question name lower-cased (a resolver that does not keep case). */
        LOWER,
        /**
         * A spoofing race: first forged answers (A 6.6.6.6) from this very socket, so from the upstream's address
         * and port: 100 with wrong IDs, 20 with the right ID but the name's case inverted; 20 exact forgeries (right
         * ID and case) from another address (127.0.0.2); then 300 ms later the real answer.
         */
        RACE
    }

    /** One query as received. */
    public record Seen(int sourcePort, int id, byte[] name, int optClass, List<Integer> optionCodes,
            String subnet) {
        /** The question name as text, letter case as received. */
        public String nameText() {
            StringBuilder sb = new StringBuilder();
            int i = 0;
            while (name[i] != 0) {
                sb.append(new String(name, i + 1, name[i], java.nio.charset.StandardCharsets.ISO_8859_1)).append('.');
                i += name[i] + 1;
            }
            return sb.toString();
        }
    }

    public static final byte[] REAL = {(byte) 192, 0, 2, 1};
    public static final byte[] FORGED = {6, 6, 6, 6};

    private final DatagramSocket socket;
    /** An off-path attacker: right ID and case, but its own source address. */
    private final DatagramSocket attacker;
    private final java.util.function.Function<String, Mode> mode;
    private final List<Seen> seen = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Thread reader;

    public RecordingResponder(java.util.function.Function<String, Mode> mode) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        this.attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
        this.mode = mode;
        this.reader = new Thread(this::run, "recording-responder");
        reader.setDaemon(true);
        reader.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code udp://127.0.0.1:PORT} followed by {@code options} (e.g. "?0x20=off"). */
    public String uri(String options) {
        return "udp://127.0.0.1:" + port() + options;
    }

    public synchronized List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Queries received whose name is {@code name} (lower-case dotted, trailing dot), any case. */
    public synchronized long count(String name) {
        return seen.stream().filter(s -> s.nameText().equalsIgnoreCase(name)).count();
    }

    private void run() {
        byte[] buf = new byte[65535];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                byte[] query = Arrays.copyOf(p.getData(), p.getLength());
                handle(query, (InetSocketAddress) p.getSocketAddress());
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private void handle(byte[] query, InetSocketAddress from) throws IOException {
        int nameEnd = 12;
        while (query[nameEnd] != 0) {
            nameEnd += query[nameEnd] + 1;
        }
        nameEnd++;
        byte[] name = Arrays.copyOfRange(query, 12, nameEnd);
        int id = (query[0] & 0xFF) << 8 | (query[1] & 0xFF);
        Message parsed = new Message(query);
        OPTRecord opt = parsed.getOPT();
        List<Integer> codes = new ArrayList<>();
        String subnet = null;
        if (opt != null) {
            for (EDNSOption o : opt.getOptions()) {
                codes.add(o.getCode());
                if (o instanceof ClientSubnetOption cs) {
                    subnet = cs.getAddress().getHostAddress() + "/" + cs.getSourcePrefixLength();
                }
            }
        }
        Seen s = new Seen(from.getPort(), id, name, opt == null ? -1 : opt.getPayloadSize(), codes, subnet);
        synchronized (this) {
            seen.add(s);
        }
        byte[] question = Arrays.copyOfRange(query, 12, nameEnd + 4);
        switch (mode.apply(s.nameText().toLowerCase(java.util.Locale.ROOT))) {
            case ECHO -> send(answer(id, question, REAL), from);
            case LOWER -> send(answer(id, recase(question, nameEnd - 12, false), REAL), from);
            case RACE -> {
                java.util.Random r = new java.util.Random();
                for (int i = 0; i < 100; i++) {
                    send(answer((id + 1 + r.nextInt(65535)) & 0xFFFF, question, FORGED), from);
                }
                for (int i = 0; i < 20; i++) {
                    send(answer(id, recase(question, nameEnd - 12, true), FORGED), from);
                }
                byte[] perfect = answer(id, question, FORGED);
                for (int i = 0; i < 20; i++) {
                    attacker.send(new DatagramPacket(perfect, perfect.length, from));
                }
                byte[] real = answer(id, question, REAL);
                timer.schedule(() -> {
                    send(real, from);
                    return null;
                }, 300, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The question with the name's letters lower-cased, or with each letter's case inverted. */
    private static byte[] recase(byte[] question, int nameLength, boolean invert) {
        byte[] q = question.clone();
        for (int i = 0; i < nameLength; i++) {
            int c = q[i];
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (letter) {
                q[i] = (byte) (invert ? c ^ 0x20 : c | 0x20);
            }
        }
        return q;
    }

    /** A response with {@code id}, the question bytes, and one A record (TTL 300) pointing at the question. */
    static byte[] answer(int id, byte[] question, byte[] address) {
        byte[] a = new byte[12 + question.length + 16];
        a[0] = (byte) (id >> 8);
        a[1] = (byte) id;
        a[2] = (byte) 0x81; // QR, RD
        a[3] = (byte) 0x80; // RA
        a[5] = 1;           // QDCOUNT
        a[7] = 1;           // ANCOUNT
        System.arraycopy(question, 0, a, 12, question.length);
        int i = 12 + question.length;
        byte[] rr = {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4};
        System.arraycopy(rr, 0, a, i, rr.length);
        System.arraycopy(address, 0, a, i + rr.length, 4);
        return a;
    }

    private void send(byte[] message, InetSocketAddress to) {
        try {
            socket.send(new DatagramPacket(message, message.length, to));
        } catch (IOException e) {
            // the test sees the missing answer
        }
    }

    @Override
    public void close() {
        socket.close();
        attacker.close();
        timer.shutdownNow();
    }
}
