package dev.dotgate.config;

import java.time.Duration;
import java.util.List;

/**
 * Bounds on what clients may use, per client and in total ({@code [limits]} in the config). A client is an
 * address prefix: one IPv4 address (/32) and one IPv6 /64 by default, so a host with many IPv6 addresses is
 * still one client.
 *
 * @param clientPrefixV4          prefix length that makes one IPv4 client
 * @param clientPrefixV6          prefix length that makes one IPv6 client
 * @param exempt                  CIDR ranges whose clients no per-client limit or response rate limit applies to
 *                                (loopback by default: a local stub resolver speaks for the whole machine)
 * @param maxConnectionsPerClient concurrent TCP, DoT and DoH connections per client; more are closed at accept
 * @param maxInflightPerClient    queries in flight per client over every transport; beyond, UDP queries are
 *                                dropped and streams stop reading
 * @param queryRate               queries per second per client (token bucket refill); 0 turns the limit off
 * @param queryBurst              queries a client may send at once (token bucket size)
 * @param maxQuerySize            largest query accepted over TCP, DoT and DoH, in bytes
 * @param maxClientHello          largest TLS ClientHello buffered before the handshake, in bytes
 * @param frameTimeout            a started query frame (TCP/DoT length prefix, HTTP/2 stream) must be complete
 *                                within this
 * @param maxBufferedBytes        direct memory held by the I/O allocator beyond which new connections and new UDP
 *                                queries are refused; at least {@link #MIN_BUFFERED_BYTES}
 * @param udpAnswerSize           largest UDP answer sent, whatever the client advertises; larger ones get TC=1
 * @param upstreamUdpSize         EDNS payload size advertised to UDP upstreams, at most
 * @param rrlRate                 identical UDP responses per second per client (response rate limiting); 0 off
 * @param rrlSlip                 every Nth response over the RRL rate is sent as a truncated (TC=1) reply instead
 *                                of being dropped, so a real client retries over TCP; 0 drops them all
 */
public record LimitsOptions(int clientPrefixV4, int clientPrefixV6, List<String> exempt,
        int maxConnectionsPerClient, int maxInflightPerClient, int queryRate, int queryBurst,
        int maxQuerySize, int maxClientHello, Duration frameTimeout, long maxBufferedBytes,
        int udpAnswerSize, int upstreamUdpSize, int rrlRate, int rrlSlip) {

    /**
     * The smallest buffered-bytes budget. The allocator's figure includes chunks it keeps for reuse once freed
     * (with Netty 4.2's adaptive allocator at most four reuse chunks and one current chunk per magazine stripe, up
     * to 8 MiB each: about 64 MiB), so a budget below that plus what an idle gateway holds could stay exceeded
     * after an attack ends and refuse new clients for good.
     */
    public static final long MIN_BUFFERED_BYTES = 128L << 20;

    /** Loopback clients are exempt from per-client limits unless the config says otherwise. */
    public static final List<String> LOOPBACK = List.of("127.0.0.0/8", "::1/128");

    public LimitsOptions {
        exempt = List.copyOf(exempt);
    }

    /** The defaults: a household never meets them, a flood from one client always does. */
    public static LimitsOptions defaults() {
        return new LimitsOptions(32, 64, LOOPBACK, 64, 256, 500, 1000, 4096, 16384, Duration.ofSeconds(5),
                256L << 20, 1232, 1232, 20, 2);
    }
}
