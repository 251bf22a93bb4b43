package dev.dotgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Type;

/**
 * The scrape of a gateway with every listener, the cache, a blocklist and the metrics endpoint lists the same metric
 * names with the same tags, help texts and types as before the counters moved to the packages that count (the list below was taken
 * from a scrape of commit cf63133). A metric that disappears, is renamed or loses or changes a tag fails here, and
 * so does a new one (add it to the list when it is meant).
 *
 * <p>Each line is a sample name with its tags sorted; tag values are kept except where they depend on the run: the
 * upstream's address ({@code <upstream>}), histogram bounds ({@code le}, checked by MetricsServerTest) and the
 * per-query families whose combinations appear with the traffic (only their tag keys).
 */
@Timeout(120)
class MetricNamesTest {
    @RegisterExtension
    static final Servers servers = new Servers();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** Families whose tag values come with the traffic: only their tag keys are compared. */
    private static final List<String> TRAFFIC_TAGGED = List.of("dotgate_queries_total", "dotgate_query_duration_seconds",
            "dotgate_extended_errors_total");

    @TempDir
    Path tmp;

    @Test
    void theScrapeHasTheSameMetricNamesAndTagsAsBefore() throws Exception {
        Path block = Files.writeString(tmp.resolve("ads.txt"), "ads.test\n");
        try (GatewayFixture gw = servers.gateway(b -> b.toml("""
                        [policy]
                        blocklists = ["%s"]
                        [metrics]
                        listen = "127.0.0.1:0"
                        [listen]
                        doh = ["127.0.0.1:0"]
                        """.formatted(block)))) {
            DnsClient.udp(gw.udp(), DnsClient.query("a.test", Type.A, 1), 3000);
            String scrape = gw.gateway.metrics().scrape();
            assertThat(String.join("\n", names(scrape))).isEqualTo(String.join("\n", EXPECTED));
        }
    }

    /**
     * The sorted, distinct name-and-tags lines of {@code scrape}'s dotgate and process CPU samples, with the HELP and
     * TYPE line of each of their families.
     */
    static TreeSet<String> names(String scrape) {
        TreeSet<String> out = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                if (ours(line.substring(7, line.indexOf(' ', 7)))) {
                    out.add(line.substring(2));
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !ours(m.group(1))) {
                continue;
            }
            String name = m.group(1);
            boolean keysOnly = TRAFFIC_TAGGED.stream().anyMatch(name::startsWith);
            Map<String, String> tags = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    String key = l.group(1);
                    String value = keysOnly || key.equals("le") ? "*" : key.equals("upstream") ? "<upstream>"
                            : l.group(2);
                    tags.put(key, value);
                }
            }
            StringBuilder sb = new StringBuilder(name);
            if (!tags.isEmpty()) {
                sb.append('{');
                tags.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
                sb.setLength(sb.length() - 1);
                sb.append('}');
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static boolean ours(String name) {
        return name.startsWith("dotgate_") || name.equals("process_cpu_seconds_total") || name.equals("system_cpus");
    }

    /** From a scrape of cf63133. */
    private static final List<String> EXPECTED = List.of(
            "HELP dotgate_answered_total Queries answered with an upstream's response",
            "HELP dotgate_blocklist_names names on the loaded blocklists",
            "HELP dotgate_cache_bytes estimated memory the cached answers take, in bytes",
            "HELP dotgate_cache_entries answers in the cache",
            "HELP dotgate_cache_lookups_total Cache lookups by result: hit (fresh), miss, stale (expired entry served)",
            "HELP dotgate_cache_prefetches_total Cache entries refreshed from an upstream before they expired",
            "HELP dotgate_client_connections Client connections open now, by transport",
            "HELP dotgate_client_table_overflow_total Queries and connections of new clients while the client table was full (UDP ones shared one of 1024 overflow states, stream connections got their own)",
            "HELP dotgate_completed_total Queries completed: answered or failed with an error response",
            "HELP dotgate_connections_refused_acl_total TCP, DoT and DoH connections closed at accept: client outside the listener's access list",
            "HELP dotgate_connections_refused_over_limit_total Client connections closed at once: too many open",
            "HELP dotgate_dnssec_chain_queries_total Queries the validator sent upstream for the chain of trust (DNSKEY, DS)",
            "HELP dotgate_dnssec_skewed_total Answers proven secure only within dnssec.clock_skew of a signature's validity period",
            "HELP dotgate_dnssec_validations_total Forwarded answers validated (dnssec.mode = validate), by verdict: secure (sent with AD), insecure, bogus (SERVFAIL with an Extended DNS Error)",
            "HELP dotgate_doh_bad_requests_total DoH requests answered with an HTTP error status (malformed, too large, wrong method or type), by status",
            "HELP dotgate_doh_handshake_failures_total DoH client TLS handshakes that failed, by cause (alpn, timeout, protocol, client_hello_too_long, other)",
            "HELP dotgate_doh_handshakes_total DoH client TLS handshakes completed",
            "HELP dotgate_doh_stream_errors_total HTTP/2 DoH streams reset on a stream error (RFC 9113 section 5.4.2), e.g. a body longer than its Content-Length",
            "HELP dotgate_doh_streams_refused_total HTTP/2 DoH streams refused (REFUSED_STREAM): the request bodies being received on the connection already fill its budget",
            "HELP dotgate_doh_streams_timed_out_total HTTP/2 DoH streams reset (CANCEL): the request was not complete within limits.frame_timeout",
            "HELP dotgate_dot_handshake_failures_total DoT client TLS handshakes that failed, by cause (alpn, timeout, protocol, client_hello_too_long, other)",
            "HELP dotgate_dot_handshakes_total DoT client TLS handshakes completed",
            "HELP dotgate_dot_refused_alpn_total DoT connections refused because the client offered ALPN without dot",
            "HELP dotgate_events_dropped_total Query events dropped: queue full, write failed, or after shutdown",
            "HELP dotgate_events_written_total Query events written to the event output",
            "HELP dotgate_formerr_total Queries answered FORMERR (malformed, over TCP or DoT)",
            "HELP dotgate_hedge_wins_total Hedged queries that the second upstream answered first",
            "HELP dotgate_hedges_total Queries also sent to a second upstream because the first had not answered in its usual time",
            "HELP dotgate_metrics_http_refused_total Connections closed or requests refused by the metrics endpoint's limits, by reason",
            "HELP dotgate_notimp_total Queries answered NOTIMP (unsupported opcode, over TCP or DoT)",
            "HELP dotgate_proxy_header_rejected_total Connections closed and datagrams dropped from a trusted load balancer without a valid PROXY protocol header",
            "HELP dotgate_proxy_header_untrusted_total TCP or DoT connections closed: a PROXY protocol header from a source outside proxy_protocol.trusted",
            "HELP dotgate_queries_inflight Queries accepted and not yet completed",
            "HELP dotgate_queries_total Queries completed, by transport, response code sent (none: nothing sent back; other: above 15) and decision",
            "HELP dotgate_query_duration_seconds Time from a query's arrival until its answer was sent (or it was dropped), by transport and decision",
            "HELP dotgate_query_duration_seconds_max Time from a query's arrival until its answer was sent (or it was dropped), by transport and decision",
            "HELP dotgate_rate_limited_total Queries and connections held back by the client limits, by reason (query_rate, inflight, connections, rrl, buffered_bytes) and transport: UDP queries or answers dropped, connections closed at accept, stream connections paused",
            "HELP dotgate_refused_acl_total Queries refused and DoT connections closed: client outside the access list",
            "HELP dotgate_retries_total Queries sent again to another upstream after an attempt was lost",
            "HELP dotgate_rrl_slipped_total UDP answers over the response rate limit sent truncated (TC=1) instead of dropped",
            "HELP dotgate_servfail_no_upstream_total Queries answered SERVFAIL because no upstream could take them",
            "HELP dotgate_servfail_timeout_total Queries answered SERVFAIL because no upstream answered in time",
            "HELP dotgate_stats_queries_total Queries accepted from clients (Stats.queries)",
            "HELP dotgate_stats_upstream_connect_failures_total Upstream connection attempts that failed, all upstreams (Stats)",
            "HELP dotgate_stats_upstream_connects_total Upstream connections established, all upstreams (Stats)",
            "HELP dotgate_stream_closed_unframeable_total TCP or DoT connections closed on a message that was not DNS",
            "HELP dotgate_stream_frame_timeout_total TCP or DoT connections closed because a started query frame (or TLS record) was not complete within limits.frame_timeout",
            "HELP dotgate_stream_oversized_total TCP or DoT connections closed on a length prefix over limits.max_query_size",
            "HELP dotgate_tls_client_hello_too_long_total DoT or DoH connections closed because the TLS ClientHello declared more than limits.max_client_hello bytes",
            "HELP dotgate_tls_resumed_total Client TLS handshakes that resumed a session (a ticket from an earlier connection), by transport",
            "HELP dotgate_truncated_total UDP answers sent truncated (TC=1) because they exceeded the client's size",
            "HELP dotgate_udp_dropped_malformed_total UDP datagrams dropped because they were not DNS queries",
            "HELP dotgate_udp_dropped_overload_total UDP queries dropped because too many were in flight",
            "HELP dotgate_upstream_answers_total Answers received from the upstream (also the _count of dotgate_upstream_duration_seconds)",
            "HELP dotgate_upstream_case_mismatch_total UDP upstream answers dropped as spoofed: the question did not echo the random letter case sent (0x20)",
            "HELP dotgate_upstream_connect_failures_total Connection attempts to the upstream that failed (TCP or TLS)",
            "HELP dotgate_upstream_connections Connections to the upstream open now",
            "HELP dotgate_upstream_connects_total Connections to the upstream established (first and re-connections)",
            "HELP dotgate_upstream_downs_total Times the upstream was marked down after queries in a row were lost or timed out",
            "HELP dotgate_upstream_duration_seconds Time from sending a query to the upstream until its answer arrived",
            "HELP dotgate_upstream_duration_seconds_max Time from sending a query to the upstream until its answer arrived",
            "HELP dotgate_upstream_errors_total Queries lost on the upstream: connection failed or closed, malformed answer",
            "HELP dotgate_upstream_hedge_wins_total Hedged queries the upstream answered first",
            "HELP dotgate_upstream_hedges_total Queries sent to the upstream as a hedge, the first upstream asked being slow",
            "HELP dotgate_upstream_idle_closed_total Upstream connections closed after being idle",
            "HELP dotgate_upstream_late_total Upstream answers that arrived after their query had completed",
            "HELP dotgate_upstream_malformed_total Upstream messages that could not be read as DNS answers",
            "HELP dotgate_upstream_probes_total Background probe queries sent to the upstream (while down, or idle beside faster ones)",
            "HELP dotgate_upstream_queries_total Queries sent to the upstream (every attempt, retries included)",
            "HELP dotgate_upstream_recoveries_total Times the upstream answered again after being marked down",
            "HELP dotgate_upstream_silent_closed_total Upstream connections closed, or udp upstreams skipped, because they stopped answering",
            "HELP dotgate_upstream_srtt_seconds Smoothed round-trip time of the upstream's answers (0 before the first)",
            "HELP dotgate_upstream_timeouts_total Queries the upstream did not answer in time",
            "HELP dotgate_upstream_truncated_retried_tcp_total Truncated UDP upstream answers retried over TCP",
            "HELP dotgate_upstream_unmatched_total Upstream answers that matched no query in flight",
            "HELP dotgate_upstream_up 1 while the upstream is up, 0 while it is marked down",
            "HELP process_cpu_seconds_total CPU time used by the process, in seconds",
            "HELP system_cpus The number of processors available to the Java virtual machine",
            "TYPE dotgate_answered_total counter",
            "TYPE dotgate_blocklist_names gauge",
            "TYPE dotgate_cache_bytes gauge",
            "TYPE dotgate_cache_entries gauge",
            "TYPE dotgate_cache_lookups_total counter",
            "TYPE dotgate_cache_prefetches_total counter",
            "TYPE dotgate_client_connections gauge",
            "TYPE dotgate_client_table_overflow_total counter",
            "TYPE dotgate_completed_total counter",
            "TYPE dotgate_connections_refused_acl_total counter",
            "TYPE dotgate_connections_refused_over_limit_total counter",
            "TYPE dotgate_dnssec_chain_queries_total counter",
            "TYPE dotgate_dnssec_skewed_total counter",
            "TYPE dotgate_dnssec_validations_total counter",
            "TYPE dotgate_doh_bad_requests_total counter",
            "TYPE dotgate_doh_handshake_failures_total counter",
            "TYPE dotgate_doh_handshakes_total counter",
            "TYPE dotgate_doh_stream_errors_total counter",
            "TYPE dotgate_doh_streams_refused_total counter",
            "TYPE dotgate_doh_streams_timed_out_total counter",
            "TYPE dotgate_dot_handshake_failures_total counter",
            "TYPE dotgate_dot_handshakes_total counter",
            "TYPE dotgate_dot_refused_alpn_total counter",
            "TYPE dotgate_events_dropped_total counter",
            "TYPE dotgate_events_written_total counter",
            "TYPE dotgate_formerr_total counter",
            "TYPE dotgate_hedge_wins_total counter",
            "TYPE dotgate_hedges_total counter",
            "TYPE dotgate_metrics_http_refused_total counter",
            "TYPE dotgate_notimp_total counter",
            "TYPE dotgate_proxy_header_rejected_total counter",
            "TYPE dotgate_proxy_header_untrusted_total counter",
            "TYPE dotgate_queries_inflight gauge",
            "TYPE dotgate_queries_total counter",
            "TYPE dotgate_query_duration_seconds histogram",
            "TYPE dotgate_query_duration_seconds_max gauge",
            "TYPE dotgate_rate_limited_total counter",
            "TYPE dotgate_refused_acl_total counter",
            "TYPE dotgate_retries_total counter",
            "TYPE dotgate_rrl_slipped_total counter",
            "TYPE dotgate_servfail_no_upstream_total counter",
            "TYPE dotgate_servfail_timeout_total counter",
            "TYPE dotgate_stats_queries_total counter",
            "TYPE dotgate_stats_upstream_connect_failures_total counter",
            "TYPE dotgate_stats_upstream_connects_total counter",
            "TYPE dotgate_stream_closed_unframeable_total counter",
            "TYPE dotgate_stream_frame_timeout_total counter",
            "TYPE dotgate_stream_oversized_total counter",
            "TYPE dotgate_tls_client_hello_too_long_total counter",
            "TYPE dotgate_tls_resumed_total counter",
            "TYPE dotgate_truncated_total counter",
            "TYPE dotgate_udp_dropped_malformed_total counter",
            "TYPE dotgate_udp_dropped_overload_total counter",
            "TYPE dotgate_upstream_answers_total counter",
            "TYPE dotgate_upstream_case_mismatch_total counter",
            "TYPE dotgate_upstream_connect_failures_total counter",
            "TYPE dotgate_upstream_connections gauge",
            "TYPE dotgate_upstream_connects_total counter",
            "TYPE dotgate_upstream_downs_total counter",
            "TYPE dotgate_upstream_duration_seconds histogram",
            "TYPE dotgate_upstream_duration_seconds_max gauge",
            "TYPE dotgate_upstream_errors_total counter",
            "TYPE dotgate_upstream_hedge_wins_total counter",
            "TYPE dotgate_upstream_hedges_total counter",
            "TYPE dotgate_upstream_idle_closed_total counter",
            "TYPE dotgate_upstream_late_total counter",
            "TYPE dotgate_upstream_malformed_total counter",
            "TYPE dotgate_upstream_probes_total counter",
            "TYPE dotgate_upstream_queries_total counter",
            "TYPE dotgate_upstream_recoveries_total counter",
            "TYPE dotgate_upstream_silent_closed_total counter",
            "TYPE dotgate_upstream_srtt_seconds gauge",
            "TYPE dotgate_upstream_timeouts_total counter",
            "TYPE dotgate_upstream_truncated_retried_tcp_total counter",
            "TYPE dotgate_upstream_unmatched_total counter",
            "TYPE dotgate_upstream_up gauge",
            "TYPE process_cpu_seconds_total counter",
            "TYPE system_cpus gauge",
            "dotgate_answered_total",
            "dotgate_blocklist_names",
            "dotgate_cache_bytes",
            "dotgate_cache_entries",
            "dotgate_cache_lookups_total{result=hit}",
            "dotgate_cache_lookups_total{result=miss}",
            "dotgate_cache_lookups_total{result=stale}",
            "dotgate_cache_prefetches_total",
            "dotgate_client_connections{transport=doh}",
            "dotgate_client_connections{transport=doq}",
            "dotgate_client_connections{transport=dot}",
            "dotgate_client_connections{transport=tcp}",
            "dotgate_client_table_overflow_total",
            "dotgate_completed_total",
            "dotgate_connections_refused_acl_total",
            "dotgate_connections_refused_over_limit_total",
            "dotgate_dnssec_chain_queries_total",
            "dotgate_dnssec_skewed_total",
            "dotgate_dnssec_validations_total{verdict=bogus}",
            "dotgate_dnssec_validations_total{verdict=insecure}",
            "dotgate_dnssec_validations_total{verdict=secure}",
            "dotgate_doh_bad_requests_total{status=400}",
            "dotgate_doh_bad_requests_total{status=404}",
            "dotgate_doh_bad_requests_total{status=405}",
            "dotgate_doh_bad_requests_total{status=408}",
            "dotgate_doh_bad_requests_total{status=413}",
            "dotgate_doh_bad_requests_total{status=414}",
            "dotgate_doh_bad_requests_total{status=415}",
            "dotgate_doh_bad_requests_total{status=431}",
            "dotgate_doh_handshake_failures_total{cause=alpn}",
            "dotgate_doh_handshake_failures_total{cause=client_hello_too_long}",
            "dotgate_doh_handshake_failures_total{cause=other}",
            "dotgate_doh_handshake_failures_total{cause=protocol}",
            "dotgate_doh_handshake_failures_total{cause=timeout}",
            "dotgate_doh_handshakes_total",
            "dotgate_doh_stream_errors_total",
            "dotgate_doh_streams_refused_total",
            "dotgate_doh_streams_timed_out_total",
            "dotgate_dot_handshake_failures_total{cause=alpn}",
            "dotgate_dot_handshake_failures_total{cause=client_hello_too_long}",
            "dotgate_dot_handshake_failures_total{cause=other}",
            "dotgate_dot_handshake_failures_total{cause=protocol}",
            "dotgate_dot_handshake_failures_total{cause=timeout}",
            "dotgate_dot_handshakes_total",
            "dotgate_dot_refused_alpn_total",
            "dotgate_events_dropped_total",
            "dotgate_events_written_total",
            "dotgate_formerr_total",
            "dotgate_hedge_wins_total",
            "dotgate_hedges_total",
            "dotgate_metrics_http_refused_total{reason=address_limit}",
            "dotgate_metrics_http_refused_total{reason=body}",
            "dotgate_metrics_http_refused_total{reason=connection_limit}",
            "dotgate_metrics_http_refused_total{reason=head_timeout}",
            "dotgate_metrics_http_refused_total{reason=headers_too_large}",
            "dotgate_metrics_http_refused_total{reason=line_too_long}",
            "dotgate_metrics_http_refused_total{reason=malformed}",
            "dotgate_metrics_http_refused_total{reason=pipelined}",
            "dotgate_metrics_http_refused_total{reason=write_timeout}",
            "dotgate_notimp_total",
            "dotgate_proxy_header_rejected_total",
            "dotgate_proxy_header_untrusted_total",
            "dotgate_queries_inflight",
            "dotgate_queries_total{decision=*,rcode=*,transport=*}",
            "dotgate_query_duration_seconds_bucket{decision=*,le=*,transport=*}",
            "dotgate_query_duration_seconds_count{decision=*,transport=*}",
            "dotgate_query_duration_seconds_max{decision=*,transport=*}",
            "dotgate_query_duration_seconds_sum{decision=*,transport=*}",
            "dotgate_rate_limited_total{reason=buffered_bytes,transport=doh}",
            "dotgate_rate_limited_total{reason=buffered_bytes,transport=doq}",
            "dotgate_rate_limited_total{reason=buffered_bytes,transport=dot}",
            "dotgate_rate_limited_total{reason=buffered_bytes,transport=tcp}",
            "dotgate_rate_limited_total{reason=buffered_bytes,transport=udp}",
            "dotgate_rate_limited_total{reason=connections,transport=doh}",
            "dotgate_rate_limited_total{reason=connections,transport=doq}",
            "dotgate_rate_limited_total{reason=connections,transport=dot}",
            "dotgate_rate_limited_total{reason=connections,transport=tcp}",
            "dotgate_rate_limited_total{reason=connections,transport=udp}",
            "dotgate_rate_limited_total{reason=inflight,transport=doh}",
            "dotgate_rate_limited_total{reason=inflight,transport=doq}",
            "dotgate_rate_limited_total{reason=inflight,transport=dot}",
            "dotgate_rate_limited_total{reason=inflight,transport=tcp}",
            "dotgate_rate_limited_total{reason=inflight,transport=udp}",
            "dotgate_rate_limited_total{reason=query_rate,transport=doh}",
            "dotgate_rate_limited_total{reason=query_rate,transport=doq}",
            "dotgate_rate_limited_total{reason=query_rate,transport=dot}",
            "dotgate_rate_limited_total{reason=query_rate,transport=tcp}",
            "dotgate_rate_limited_total{reason=query_rate,transport=udp}",
            "dotgate_rate_limited_total{reason=rrl,transport=doh}",
            "dotgate_rate_limited_total{reason=rrl,transport=doq}",
            "dotgate_rate_limited_total{reason=rrl,transport=dot}",
            "dotgate_rate_limited_total{reason=rrl,transport=tcp}",
            "dotgate_rate_limited_total{reason=rrl,transport=udp}",
            "dotgate_refused_acl_total",
            "dotgate_retries_total",
            "dotgate_rrl_slipped_total",
            "dotgate_servfail_no_upstream_total",
            "dotgate_servfail_timeout_total",
            "dotgate_stats_queries_total",
            "dotgate_stats_upstream_connect_failures_total",
            "dotgate_stats_upstream_connects_total",
            "dotgate_stream_closed_unframeable_total",
            "dotgate_stream_frame_timeout_total",
            "dotgate_stream_oversized_total",
            "dotgate_tls_client_hello_too_long_total",
            "dotgate_tls_resumed_total{transport=doh}",
            "dotgate_tls_resumed_total{transport=doq}",
            "dotgate_tls_resumed_total{transport=dot}",
            "dotgate_truncated_total",
            "dotgate_udp_dropped_malformed_total",
            "dotgate_udp_dropped_overload_total",
            "dotgate_upstream_answers_total{upstream=<upstream>}",
            "dotgate_upstream_case_mismatch_total",
            "dotgate_upstream_connect_failures_total{upstream=<upstream>}",
            "dotgate_upstream_connections{upstream=<upstream>}",
            "dotgate_upstream_connects_total{upstream=<upstream>}",
            "dotgate_upstream_downs_total{upstream=<upstream>}",
            "dotgate_upstream_duration_seconds_bucket{le=*,upstream=<upstream>}",
            "dotgate_upstream_duration_seconds_count{upstream=<upstream>}",
            "dotgate_upstream_duration_seconds_max{upstream=<upstream>}",
            "dotgate_upstream_duration_seconds_sum{upstream=<upstream>}",
            "dotgate_upstream_errors_total{upstream=<upstream>}",
            "dotgate_upstream_hedge_wins_total{upstream=<upstream>}",
            "dotgate_upstream_hedges_total{upstream=<upstream>}",
            "dotgate_upstream_idle_closed_total",
            "dotgate_upstream_late_total",
            "dotgate_upstream_malformed_total",
            "dotgate_upstream_probes_total{upstream=<upstream>}",
            "dotgate_upstream_queries_total{upstream=<upstream>}",
            "dotgate_upstream_recoveries_total{upstream=<upstream>}",
            "dotgate_upstream_silent_closed_total",
            "dotgate_upstream_srtt_seconds{upstream=<upstream>}",
            "dotgate_upstream_timeouts_total{upstream=<upstream>}",
            "dotgate_upstream_truncated_retried_tcp_total",
            "dotgate_upstream_unmatched_total",
            "dotgate_upstream_up{upstream=<upstream>}",
            "process_cpu_seconds_total",
            "system_cpus");
}
