package dev.dotgate.upstream.bootstrap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Finds the addresses of an upstream's host name through the bootstrap resolvers ({@code upstream.bootstrap}, or
 * the system's): A and AAAA asked at once of every server, the first answer of each type taken. Plain DNS to IP
 * literals, never through the gateway itself. Whole messages are built and read with dnsjava, whose
 * {@link SimpleResolver} also retries a truncated answer over TCP; this runs when an upstream starts and when its
 * addresses' TTL runs out, never per query.
 */
public final class BootstrapResolver {
    /** The shortest and longest time resolved addresses are kept before asking again. */
    static final long MIN_TTL_SECONDS = 1;
    static final long MAX_TTL_SECONDS = 86_400;

    private final List<InetSocketAddress> servers;
    private final Duration timeout;

    public BootstrapResolver(List<InetSocketAddress> servers, Duration timeout) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no bootstrap servers");
        }
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
    }

    /** The servers asked. */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** The servers as {@code IP:PORT, IP:PORT}, for messages. */
    public String describeServers() {
        return servers.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                .collect(Collectors.joining(", "));
    }

    /** What a host name resolved to: its addresses (IPv6 and IPv4) and how long they may be kept. */
    public record Addresses(List<InetAddress> addresses, long ttlSeconds) {
        public Addresses {
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * The addresses of {@code host}; fails with a {@link BootstrapException} saying what the servers answered
     * when neither A nor AAAA gives one.
     */
    public CompletableFuture<Addresses> resolve(String host) {
        Name name;
        try {
            name = Name.fromString(host.endsWith(".") ? host : host + ".");
        } catch (TextParseException e) {
            return CompletableFuture.failedFuture(new BootstrapException(host + " is not a host name"));
        }
        CompletableFuture<Message> a = ask(name, Type.A);
        CompletableFuture<Message> aaaa = ask(name, Type.AAAA);
        return a.handle((ma, ea) -> new Object[] {ma, ea}).thenCombine(aaaa.handle((m6, e6) -> new Object[] {m6, e6}),
                (ra, r6) -> combine(host, (Message) ra[0], (Throwable) ra[1], (Message) r6[0], (Throwable) r6[1]));
    }

    private Addresses combine(String host, Message a, Throwable ea, Message aaaa, Throwable e6) {
        List<InetAddress> out = new ArrayList<>();
        long ttl = MAX_TTL_SECONDS;
        for (Message m : new Message[] {aaaa, a}) {
            if (m == null) {
                continue;
            }
            for (Record r : m.getSection(Section.ANSWER)) {
                if (r instanceof ARecord ar) {
                    out.add(ar.getAddress());
                } else if (r instanceof AAAARecord r6) {
                    out.add(r6.getAddress());
                } else if (r.getType() != Type.CNAME) {
                    continue;
                }
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (out.isEmpty()) {
            String why = a != null ? Rcode.string(a.getRcode()) + (a.getRcode() == Rcode.NOERROR ? " (no address)" : "")
                    : aaaa != null ? Rcode.string(aaaa.getRcode())
                    : describe(ea != null ? ea : e6);
            throw new BootstrapException("cannot resolve " + host + " through the bootstrap resolvers "
                    + describeServers() + ": " + why);
        }
        return new Addresses(out, Math.max(MIN_TTL_SECONDS, ttl));
    }

    private static String describe(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        String m = c.getMessage();
        return m == null || m.isBlank() ? c.getClass().getSimpleName() : m;
    }

    /** Asks every server at once; the first answer that is NOERROR or NXDOMAIN wins, else the last failure. */
    private CompletableFuture<Message> ask(Name name, int type) {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        CompletableFuture<Message> result = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(servers.size());
        for (InetSocketAddress server : servers) {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(timeout);
            r.sendAsync(query).whenComplete((m, e) -> {
                boolean usable = m != null && (m.getRcode() == Rcode.NOERROR || m.getRcode() == Rcode.NXDOMAIN);
                if (usable) {
                    result.complete(m);
                } else if (left.decrementAndGet() == 0) {
                    if (m != null) {
                        result.complete(m);
                    } else {
                        result.completeExceptionally(e);
                    }
                }
            });
        }
        return result;
    }
}
