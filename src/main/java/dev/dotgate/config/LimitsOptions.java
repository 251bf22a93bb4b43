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
public record LimitsOptions(
        @Setting(key = "limits.client_prefix_v4", dflt = "32", min = 8, max = 32, restart = true,
                doc = "IPv4 address prefix that makes one client for the per-client limits")
        int clientPrefixV4,
        @Setting(key = "limits.client_prefix_v6", dflt = "64", min = 16, max = 128, restart = true,
                doc = "IPv6 address prefix that makes one client for the per-client limits")
        int clientPrefixV6,
        @Setting(key = "limits.exempt", dflt = "[\"127.0.0.0/8\", \"::1/128\"]", restart = true,
                doc = "CIDR ranges no per-client limit or response rate limit applies to")
        List<String> exempt,
        @Setting(key = "limits.max_connections_per_client", dflt = "64", min = 1, max = 1_000_000, restart = true,
                doc = "concurrent TCP, DoT and DoH connections per client; more are closed at accept")
        int maxConnectionsPerClient,
        @Setting(key = "limits.max_inflight_per_client", dflt = "256", min = 1, max = 1_000_000, restart = true,
                doc = "queries in flight per client over every transport; beyond, UDP queries are dropped and "
                        + "streams stop reading")
        int maxInflightPerClient,
        @Setting(key = "limits.query_rate", dflt = "500", min = 0, max = 10_000_000, restart = true,
                doc = "queries per second per client (token bucket; `0` turns it off); beyond, UDP is dropped "
                        + "and streams wait")
        int queryRate,
        @Setting(key = "limits.query_burst", dflt = "1000", min = 1, max = 10_000_000, restart = true,
                doc = "queries a client may send at once (the token bucket's size)")
        int queryBurst,
        @Setting(key = "limits.max_query_size", dflt = "4096", min = 512, max = 65_535, restart = true,
                doc = "largest query over TCP, DoT and DoH, in bytes")
        int maxQuerySize,
        @Setting(key = "limits.max_client_hello", dflt = "16384", min = 1024, max = 65_536, restart = true,
                doc = "largest TLS ClientHello, in bytes")
        int maxClientHello,
        @Setting(key = "limits.frame_timeout", dflt = "\"5s\"", check = Setting.Check.POSITIVE, restart = true,
                doc = "a started query frame (TCP/DoT length prefix, TLS record, HTTP/2 stream, HTTP/1.1 "
                        + "request) must be complete within this")
        Duration frameTimeout,
        @Setting(key = "limits.max_buffered_bytes", dflt = "268435456", shown = "`268435456` (256 MiB)",
                min = MIN_BUFFERED_BYTES, max = 1L << 40, restart = true, doc = "direct memory in use beyond which "
                        + "new connections and UDP queries are refused; at least 134217728 (128 MiB)")
        long maxBufferedBytes,
        @Setting(key = "limits.udp_answer_size", dflt = "1232", min = 512, max = 65_535, restart = true,
                doc = "largest UDP answer; larger ones get TC=1 whatever the client advertises")
        int udpAnswerSize,
        @Setting(key = "limits.upstream_udp_size", dflt = "1232", min = 512, max = 65_535, restart = true,
                doc = "EDNS size advertised to `udp://` upstreams")
        int upstreamUdpSize,
        @Setting(key = "limits.rrl_rate", dflt = "20", min = 0, max = 10_000_000, restart = true,
                doc = "identical UDP answers per second per client (`0`: off)")
        int rrlRate,
        @Setting(key = "limits.rrl_slip", dflt = "2", min = 0, max = 10, restart = true,
                doc = "every Nth answer over `limits.rrl_rate` is sent TC=1 instead of dropped (`0`: drop all)")
        int rrlSlip) {

    /**
     * The smallest buffered-bytes budget. The allocator's figure includes chunks it keeps once freed (the pooled
     * allocator the gateway runs with keeps at most a few 4 MiB chunks per arena, and per-thread caches), so a
     * budget below that plus what an idle gateway holds could stay exceeded after an attack ends and refuse new
     * clients for good.
     */
    public static final long MIN_BUFFERED_BYTES = 128L << 20;

    /** Loopback clients are exempt from per-client limits unless the config says otherwise. */
    public static final List<String> LOOPBACK = List.of("127.0.0.0/8", "::1/128");

    public LimitsOptions {
        exempt = List.copyOf(exempt);
        if (queryRate > 0 && queryBurst < queryRate / 10) {
            throw ConfigException.of("limits.query_burst", queryBurst, "is below a tenth of limits.query_rate ("
                    + queryRate + "): a client could never send a second's queries in a burst of a tenth of one");
        }
    }

    /** The defaults, as declared: a household never meets them, a flood from one client always does. */
    public static LimitsOptions defaults() {
        return ConfigLoader.defaults().limits();
    }
}
