#!/usr/bin/env bash
# Side-by-side throughput on loopback with dnsperf: dotgate against Unbound (and Stubby and dnsdist when
# installed), all forwarding over DNS-over-TLS to the same upstream Unbound, in the same run.
#
#   bench/run.sh [SECONDS_PER_RUN] [REPEATS]        (defaults 10 and 3; medians are reported)
#   bench/run.sh --quick                            3 s runs, one repeat, 500 connections for the footprint: a
#                                                   few minutes, to run before submitting a change
#   BASELINE_JAR=old/dotgate.jar bench/run.sh ...   also runs an earlier build as server "baseline", in the same
#                                                   run, so a change is measured before and after side by side
#   BASELINE_FIRST=1, FOOTPRINT=off                 measure the baseline before dotgate in each round (to tell
#                                                   a slot's bias from a build's); skip the footprint
#
# Needs: dnsperf unbound openssl (Debian packages); optional: stubby dnsdist, h2load (nghttp2-client) and
# python3 for the DoH scenarios.
# Scenarios:
#   udp-forward  unique names, UDP in, DoT out: every query goes upstream
#   dot-forward  unique names, DoT in over 8 persistent connections, DoT out
#   udp-cached   1,000 names asked again and again, UDP in: answered from each server's cache
#   dot-cached   the same over DoT (8 persistent connections)
#   doh-forward  unique names, DNS-over-HTTPS in (HTTP/2 GET, 8 connections x 32 streams), DoT out
#   doh-cached   the cached names over DoH
#   dot-newconn  the cached names over DoT, one query per new connection (dnsperf
#                -O num-queries-per-conn=1): what a phone meets after each idle timeout
#   up-dot, up-doh, up-relay, up-doq
#                unique names, UDP in, to a second dotgate whose forwarding zones reach the upstream Unbound
#                over DoT (up-dot) and over DoH (up-doh, Unbound's https-port; beside dnsdist with a DoH
#                backend), and a relaying dotgate over DoT (up-relay) and over DoQ (up-doq): no Debian package
#                serves DoQ, so DoQ is measured against its DoT twin through the same relay
#   doq-cached   the cached names over DNS-over-QUIC (bench/DoqLoad.java: 8 connections x 32 streams) to the
#                second dotgate's DoQ listener; beside it, dot-cached's figure (dnsperf, 8 connections)
# Then, from the throughput medians:
#   p99          latency at a fixed rate of half each peer's maximum (udp-forward, udp-cached): the peer and
#                dotgate each run at that rate; dnsperf -v gives every query's latency
#   footprint    each server started afresh: start to first answer, resident size at idle, and memory per idle
#                DoT connection over FOOTPRINT_CONNECTIONS (2000) connections (bench/footprint.py)
# DoH load comes from h2load (nghttp2-client), not dnsperf -m doh: dnsperf 2.10's DoH client takes one DNS
# message per TLS read and loses the rest, so any server that sends several answers in one TLS record (dotgate,
# dnsdist) looks broken under it. h2load counts HTTP 2xx, not DNS rcodes; every upstream answer here is NOERROR.
# dotgate runs with --dnssec process here, as the peers run without a trust anchor: the upstream's zones are
# unsigned and nothing validates; bench/dnssec.sh measures validation (dotgate against a validating Unbound).
# Caches are on everywhere they exist: dotgate's and Unbound's by default, dnsdist's packet cache configured
# here; Stubby has none and is left out of the cached scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --quick ]; then
  SECS=3; REPEATS=1; FOOTPRINT_CONNECTIONS=${FOOTPRINT_CONNECTIONS:-500}
else
  SECS=${1:-10}; REPEATS=${2:-3}
fi
FOOTPRINT_CONNECTIONS=${FOOTPRINT_CONNECTIONS:-2000}
for t in dnsperf unbound openssl ss; do command -v $t >/dev/null || { echo "bench: needs $t (apt-get install dnsperf unbound openssl iproute2)" >&2; exit 2; }; done
# The bench's servers run as whoever runs it; as root, dotgate is told to stay root (it refuses otherwise).
AS_ROOT=; [ "$(id -u)" -eq 0 ] && AS_ROOT=--allow-root
W=$(mktemp -d /tmp/dotgate-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Ports: upstream, dotgate (plain, dot, doh), unbound forwarder (plain, dot, doh), stubby, dnsdist (plain, dot, doh)
UP=19853; DG=19053; DGT=19854; DGH=19857; UB=19054; UBT=19855; UBH=19858; ST=19055; DD=19056; DDT=19856; DDH=19859
BL=19057; BLT=19860; BLH=19861
# The upstream's DoH port; the relaying dotgate (plain, DoT and DoQ); the upstream-kinds dotgate (plain, DoQ);
# dnsdist with a DoH backend
UPH=19862; RL=19063; RLT=19864; DU=19064; DUQ=19865; DDU=19065

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=bench CA" \
  -keyout $W/ca.key -out $W/ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=upstream.test" -keyout $W/srv.key -out $W/srv.csr 2>/dev/null
printf 'subjectAltName=DNS:upstream.test,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > $W/ext.cnf
openssl x509 -req -in $W/srv.csr -CA $W/ca.pem -CAkey $W/ca.key -CAcreateserial -days 7 -extfile $W/ext.cnf -out $W/srv.pem 2>/dev/null

common() { cat <<EOC
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$W"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  access-control: 127.0.0.0/8 allow
  tls-service-key: "$W/srv.key"
  tls-service-pem: "$W/srv.pem"
  incoming-num-tcp: 256
  outgoing-num-tcp: 64
  do-ip6: no
EOC
}
cat > $W/upstream.conf <<EOC
server:
  interface: 127.0.0.1@$UP
  interface: 127.0.0.1@$UPH
  tls-port: $UP
  https-port: $UPH
  http-endpoint: "/dns-query"
  num-threads: 1
$(common)
  # Everything is answered here: nothing is ever sent beyond loopback.
  local-zone: "." static
  local-zone: "bench.test." redirect
  local-data: "bench.test. 300 IN A 192.0.2.2"
EOC
cat > $W/forwarder.conf <<EOC
server:
  interface: 127.0.0.1@$UB
  interface: 127.0.0.1@$UBT
  interface: 127.0.0.1@$UBH
  tls-port: $UBT
  https-port: $UBH
  num-threads: 2
  so-reuseport: yes
$(common)
  tls-cert-bundle: "$W/ca.pem"
  do-not-query-localhost: no
  # Unbound answers test. itself by default (RFC 6761); forward it like every other name.
  local-zone: "test." nodefault
forward-zone:
  name: "."
  forward-tls-upstream: yes
  forward-addr: 127.0.0.1@$UP#upstream.test
EOC
unbound -d -c $W/upstream.conf > $W/upstream.log 2>&1 & PIDS+=($!)
unbound -d -c $W/forwarder.conf > $W/forwarder.log 2>&1 & PIDS+=($!)
# Run from a copy of the jar, so a rebuild during the run cannot pull classes from under it.
./dotgate version >/dev/null && cp target/dotgate.jar $W/dotgate.jar
# A build from before --user (an older jar put in this slot, to swap slots with the baseline) stays root anyway.
DG_AS_ROOT=$AS_ROOT; java -jar $W/dotgate.jar run --help 2>&1 | grep -q -- --allow-root || DG_AS_ROOT=
DOTGATE_JAR=$W/dotgate.jar ./dotgate run $DG_AS_ROOT --listen 127.0.0.1:$DG --dot-listen 127.0.0.1:$DGT --doh-listen 127.0.0.1:$DGH --upstream "tls://127.0.0.1:$UP#upstream.test" \
  --upstream-ca $W/ca.pem --data-dir $W/dotgate --log-level warn --dnssec process > $W/dotgate.log 2>&1 & PIDS+=($!)

# The relay (DoT and DoQ in, DoT to the upstream) and the dotgate that reaches the upstream each way, one
# forwarding zone per kind; both with the bench certificate, so one CA covers every hop.
DOTGATE_JAR=$W/dotgate.jar ./dotgate run $DG_AS_ROOT --listen 127.0.0.1:$RL --dot-listen 127.0.0.1:$RLT --doq-listen 127.0.0.1:$RLT \
  --upstream "tls://127.0.0.1:$UP#upstream.test" --upstream-ca $W/ca.pem --cert $W/srv.pem --key $W/srv.key \
  --data-dir $W/relay --log-level warn --dnssec process > $W/relay.log 2>&1 & PIDS+=($!)
cat > $W/up.toml <<EOC
[[forward]]
zone = "dot.bench.test"
servers = ["tls://127.0.0.1:$UP#upstream.test"]
[[forward]]
zone = "doh.bench.test"
servers = ["https://127.0.0.1:$UPH/dns-query#upstream.test"]
[[forward]]
zone = "relay.bench.test"
servers = ["tls://127.0.0.1:$RLT#upstream.test"]
[[forward]]
zone = "doq.bench.test"
servers = ["quic://127.0.0.1:$RLT#upstream.test"]
EOC
DOTGATE_JAR=$W/dotgate.jar ./dotgate run $DG_AS_ROOT --config $W/up.toml --listen 127.0.0.1:$DU --dot-listen 127.0.0.1:$DUQ \
  --doq-listen 127.0.0.1:$DUQ --upstream "tls://127.0.0.1:$UP#upstream.test" --upstream-ca $W/ca.pem \
  --cert $W/srv.pem --key $W/srv.key --data-dir $W/up --log-level warn --dnssec process > $W/up.log 2>&1 & PIDS+=($!)

SERVERS="dotgate unbound"
if [ -n "${BASELINE_JAR:-}" ]; then
  cp "$BASELINE_JAR" $W/baseline.jar
  # A build from before [dnssec] has no --dnssec and forwards as process does.
  BASELINE_DNSSEC=; java -jar $W/baseline.jar run --help 2>&1 | grep -q -- --dnssec && BASELINE_DNSSEC="--dnssec process"
  # A build from before --user serves as root without being asked.
  java -jar $W/baseline.jar run --help 2>&1 | grep -q -- --allow-root && BASELINE_DNSSEC="$BASELINE_DNSSEC $AS_ROOT"
  java -jar $W/baseline.jar run $BASELINE_DNSSEC --listen 127.0.0.1:$BL --dot-listen 127.0.0.1:$BLT --doh-listen 127.0.0.1:$BLH \
    --upstream "tls://127.0.0.1:$UP#upstream.test" --upstream-ca $W/ca.pem --data-dir $W/baseline --log-level warn \
    > $W/baseline.log 2>&1 & PIDS+=($!)
  SERVERS="dotgate baseline unbound"
  [ "${BASELINE_FIRST:-}" = 1 ] && SERVERS="baseline dotgate unbound"
fi
if command -v stubby >/dev/null; then
  cat > $W/stubby.yml <<EOC
resolution_type: GETDNS_RESOLUTION_STUB
dns_transport_list: [GETDNS_TRANSPORT_TLS]
tls_authentication: GETDNS_AUTHENTICATION_REQUIRED
tls_query_padding_blocksize: 0
edns_client_subnet_private: 0
idle_timeout: 8000
tls_ca_file: "$W/ca.pem"
listen_addresses: [127.0.0.1@$ST]
limit_outstanding_queries: 0
upstream_recursive_servers:
  - address_data: 127.0.0.1
    tls_port: $UP
    tls_auth_name: "upstream.test"
EOC
  stubby -C $W/stubby.yml > $W/stubby.log 2>&1 & PIDS+=($!)
  SERVERS="$SERVERS stubby"
fi
if command -v dnsdist >/dev/null; then
  cat > $W/dnsdist.conf <<EOC
setSecurityPollSuffix("")
-- Two UDP (and TCP) listeners on one port with SO_REUSEPORT, one per core, as dnsdist's docs advise.
setLocal("127.0.0.1:$DD", {reusePort=true})
addLocal("127.0.0.1:$DD", {reusePort=true})
addTLSLocal("127.0.0.1:$DDT", "$W/srv.pem", "$W/srv.key", {provider="openssl"})
addDOHLocal("127.0.0.1:$DDH", "$W/srv.pem", "$W/srv.key", "/dns-query")
newServer({address="127.0.0.1:$UP", tls="openssl", subjectName="upstream.test", caStore="$W/ca.pem", validateCertificates=true, maxInFlight=1000, checkName="check.bench.test."})
setMaxTCPClientThreads(2)
-- Big enough never to fill: dnsdist's packet cache does not evict, it stops inserting when full, so the
-- unique names of the forward scenarios would otherwise keep the cached scenarios' names out.
getPool(""):setCache(newPacketCache(4000000))
EOC
  dnsdist --supervised --disable-syslog -C $W/dnsdist.conf > $W/dnsdist.log 2>&1 & PIDS+=($!)
  SERVERS="$SERVERS dnsdist"
  # A second dnsdist forwarding over DoH (its outgoing DoH, nghttp2) to the upstream's https-port: up-doh's peer.
  cat > $W/dnsdist-doh.conf <<EOC
setSecurityPollSuffix("")
setLocal("127.0.0.1:$DDU", {reusePort=true})
addLocal("127.0.0.1:$DDU", {reusePort=true})
newServer({address="127.0.0.1:$UPH", tls="openssl", dohPath="/dns-query", subjectName="upstream.test", caStore="$W/ca.pem", validateCertificates=true, maxInFlight=1000, checkName="check.bench.test."})
setMaxTCPClientThreads(2)
getPool(""):setCache(newPacketCache(4000000))
EOC
  dnsdist --supervised --disable-syslog -C $W/dnsdist-doh.conf > $W/dnsdist-doh.log 2>&1 & PIDS+=($!)
fi

port_of() { case "$1-$2" in dotgate-udp) echo $DG;; dotgate-dot) echo $DGT;; dotgate-doh) echo $DGH;;
  baseline-udp) echo $BL;; baseline-dot) echo $BLT;; baseline-doh) echo $BLH;;
  unbound-udp) echo $UB;; unbound-dot) echo $UBT;; unbound-doh) echo $UBH;;
  stubby-udp) echo $ST;; dnsdist-udp) echo $DD;; dnsdist-dot) echo $DDT;; dnsdist-doh) echo $DDH;;
  dotgate-up) echo $DU;; dnsdist-up) echo $DDU;; dotgate-doq) echo $DUQ;; *) echo "";; esac; }

for p in $UP $DG $DGT $DGH $UB $RLT $DU ${BASELINE_JAR:+$BL $BLT $BLH}; do
  for i in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done
sleep 1

RUN=0
names() { # unique names for one run [in zone ${1}.bench.test]
  RUN=$((RUN + 1)); awk -v r=$RUN -v z="${1:+$1.}" 'BEGIN { for (i = 0; i < 1500000; i++) printf "q%d-%d.%sbench.test A\n", r, i, z }' > $W/names.txt; }
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "c%d.bench.test A\n", i }' > $W/cached.txt
uris() { # names file, port: one GET URI per name (RFC 8484 base64url, ID 0)
  python3 - "$1" "$2" <<'EOP'
import base64, struct, sys
port = sys.argv[2]
with open(sys.argv[1]) as f:
    for line in f:
        name = line.split()[0]
        wire = struct.pack(">6H", 0, 0x0100, 1, 0, 0, 0)
        wire += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
        print("https://127.0.0.1:%s/dns-query?dns=%s" % (port, base64.urlsafe_b64encode(wire).decode().rstrip("=")))
EOP
}
qps() { # mode port file [dnsperf options]
  local mode=$1 port=$2 file=$3 extra=${4:-}
  [ "$mode" = dot ] && extra="-m dot $extra"
  if [ "$mode" = doq ]; then
    java -cp $W/dotgate.jar bench/DoqLoad.java "$port" "$SECS" 8 32 "$file" 2> $W/dnsperf.out | tail -1
    return
  fi
  if [ "$mode" = doh ]; then
    # Eight h2load processes of one connection each: h2load walks its URI list from the top for every
    # connection, so connections sharing a list would ask the same names at the same moment.
    uris "$file" "$port" | awk -v w=$W '{ print > (w "/uris." (NR % 8) ".txt") }'
    local pids=()
    for i in 0 1 2 3 4 5 6 7; do
      h2load -D "$SECS" -c 1 -m 32 -i $W/uris.$i.txt > $W/h2load.$i.out 2>&1 & pids+=($!)
    done
    wait "${pids[@]}" || true
    cat $W/h2load.*.out > $W/dnsperf.out
    awk '/ req\/s/ { for (i = 1; i <= NF; i++) if ($i == "req/s,") q += $(i - 1) } /^requests:/ { t += $2 }
         /^status codes:/ { ok += $3 } END { if (t > 0) printf "%d", q * ok / t; else print 0 }' $W/dnsperf.out
    return
  fi
  case "$extra" in *num-queries-per-conn*)
    # dnsperf binds each new connection's local port itself, so the closed connections it leaves in TIME-WAIT
    # (60 s on Linux) use up the ephemeral ports: without this wait, whichever server ran later in a repeat got
    # "bind: Address already in use" and a third of its real rate (seen: dnsdist 599/s after dotgate's run,
    # 1,800-1,900/s on its own). Each run starts with the ports free.
    for i in $(seq 1 120); do [ "$(ss -tan state time-wait | wc -l)" -lt 1000 ] && break; sleep 1; done;;
  esac
  dnsperf -s 127.0.0.1 -p "$port" $extra -d "$file" -l "$SECS" -c 8 -q 500 -t 3 > $W/dnsperf.out 2>&1 || true
  # Only NOERROR answers count: a server failing fast must not look fast.
  awk '/Queries per second/ { q = $4 } /Queries completed/ { c = $3 } /NOERROR/ { for (i = 1; i <= NF; i++) if ($i == "NOERROR") n = $(i + 1) }
       END { if (c > 0) printf "%d", q * n / c; else print 0 }' $W/dnsperf.out
}

# Warm up the JVM (and every server's connections) before measuring.
JVMS="$DG:$DGH"; [ -n "${BASELINE_JAR:-}" ] && JVMS="$JVMS $BL:$BLH"
for jvm in $JVMS; do
  names; dnsperf -s 127.0.0.1 -p ${jvm%:*} -d $W/names.txt -l 5 -c 8 -q 500 >/dev/null 2>&1 || true
  if command -v h2load >/dev/null && command -v python3 >/dev/null; then
    # The DoH path takes longer to compile: measured 16k, 29k, then 56k q/s over three 5 s rounds from a cold start.
    for warm in 1 2 3; do names; head -600000 $W/names.txt > $W/warm.txt; SECS=5 qps doh ${jvm#*:} $W/warm.txt >/dev/null; done
  fi
done

# Warm up the upstream-kinds dotgate over every zone, and its DoQ listener.
for zone in dot doh relay doq; do
  names $zone; dnsperf -s 127.0.0.1 -p $DU -d $W/names.txt -l 3 -c 8 -q 500 >/dev/null 2>&1 || true
done
SECS=3 qps doq $DUQ $W/cached.txt >/dev/null

# Fill every cache with the cached scenarios' names, over each transport: dnsdist keeps UDP and TCP answers
# apart, and DoH queries (ID 0, no EDNS) are other keys again.
for srv in $SERVERS; do
  [ "$srv" = stubby ] && continue
  dnsperf -s 127.0.0.1 -p "$(port_of $srv udp)" -d $W/cached.txt -n 1 -c 1 -q 100 >/dev/null 2>&1 || true
  port=$(port_of $srv dot); [ -n "$port" ] && { dnsperf -s 127.0.0.1 -p "$port" -m dot -d $W/cached.txt -n 1 -c 1 -q 100 >/dev/null 2>&1 || true; }
  port=$(port_of $srv doh)
  if [ -n "$port" ] && command -v h2load >/dev/null && command -v python3 >/dev/null; then
    uris $W/cached.txt "$port" > $W/fill.txt; h2load -n 1000 -c 1 -m 10 -i $W/fill.txt >/dev/null 2>&1 || true
  fi
done

DEFAULT_SCENARIOS="udp-forward dot-forward udp-cached dot-cached dot-newconn"
command -v h2load >/dev/null && command -v python3 >/dev/null && DEFAULT_SCENARIOS="udp-forward dot-forward doh-forward udp-cached dot-cached doh-cached dot-newconn"
DEFAULT_SCENARIOS="$DEFAULT_SCENARIOS up-dot up-doh up-relay up-doq doq-cached"
SCENARIOS=${SCENARIOS:-$DEFAULT_SCENARIOS}
declare -A R
for rep in $(seq 1 "$REPEATS"); do
  for scen in $SCENARIOS; do
    mode=${scen%-*}
    for srv in $SERVERS; do
      port=$(port_of $srv $mode); [ -n "$port" ] || continue
      # up-*: the upstream-kinds dotgate (and, for DoH, its dnsdist twin); doq-cached: its DoQ listener.
      [ "$mode" = up ] && [ "$srv" != dotgate ] && { [ "$scen" = up-doh ] && [ "$srv" = dnsdist ] || continue; }
      [ "$mode" = doq ] && [ "$srv" != dotgate ] && continue
      opts=""
      case "${scen#*-}" in
        cached) [ "$srv" = stubby ] && continue; file=$W/cached.txt;;
        newconn) file=$W/cached.txt; opts="-O num-queries-per-conn=1";;
        *) if [ "$mode" = up ]; then names ${scen#up-}; else names; fi; file=$W/names.txt;;
      esac
      q=$mode; [ "$mode" = up ] && q=udp
      R[$srv-$scen-$rep]=$(qps $q $port $file "$opts")
      echo "run $rep: $srv $scen ${R[$srv-$scen-$rep]} NOERROR q/s ($(grep -E 'Response codes|^status codes' $W/dnsperf.out | head -1 | sed 's/^ *//'))" >&2
    done
  done
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); $SECS s runs x $REPEATS, medians"
printf '%-12s %-8s %10s %10s\n' scenario server "q/s" "dotgate/x"
for scen in $SCENARIOS; do
  vals=(); for rep in $(seq 1 "$REPEATS"); do vals+=("${R[dotgate-$scen-$rep]}"); done; dg=$(median "${vals[@]}")
  for srv in $SERVERS; do
    [ -n "${R[$srv-$scen-1]:-}" ] || continue
    vals=(); for rep in $(seq 1 "$REPEATS"); do vals+=("${R[$srv-$scen-$rep]}"); done; m=$(median "${vals[@]}")
    ratio=$(awk -v a="$dg" -v b="$m" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    printf '%-12s %-8s %10s %10s\n' "$scen" "$srv" "$m" "$ratio"
  done
done

# Latency at a fixed rate: for each peer, half its median maximum in that scenario; the peer and dotgate (and the
# baseline) each run at that rate, and the 99th percentile of every query's latency is compared.
# dnsperf -v writes a line per answer from its receiving thread; it writes to a file, not a pipe, because a pipe
# whose reader falls behind stalls that thread and the stall shows as server latency (measured at 150k q/s on
# udp-cached: p99 12-14 ms for dotgate and 3.4-5.6 ms for Unbound through a pipe, 1.6 and 0.5 ms to a file).
p99() { # port file rate: the 99th percentile latency in ms
  dnsperf -s 127.0.0.1 -p "$1" -d "$2" -l "$SECS" -Q "$3" -c 8 -q 500 -t 3 -v > $W/latency.out 2>/dev/null || true
  awk '/^> / { print $NF }' $W/latency.out | sort -g \
    | awk '{ a[NR] = $1 } END { if (NR) printf "%.2f", a[int(NR * 0.99)] * 1000; else print "-" }'
  rm -f $W/latency.out
}
med_of() { local vals=(); for rep in $(seq 1 "$REPEATS"); do vals+=("${R[$1-$2-$rep]:-0}"); done; median "${vals[@]}"; }
echo
echo "p99 latency (ms) at half each peer's maximum, UDP in"
printf '%-12s %-8s %8s %10s %10s %10s\n' scenario peer "rate" "peer p99" "dotgate" "peer/dotgate"
for scen in udp-forward udp-cached; do
  case " $SCENARIOS " in *" $scen "*) ;; *) continue;; esac
  for peer in unbound dnsdist baseline; do
    [ -n "${R[$peer-$scen-1]:-}" ] || continue
    rate=$(( $(med_of $peer $scen) / 2 )); [ "$rate" -gt 0 ] || continue
    if [ "$scen" = udp-cached ]; then file=$W/cached.txt; else names; file=$W/names.txt; fi
    a=$(p99 "$(port_of $peer udp)" $file $rate)
    if [ "$scen" = udp-forward ]; then names; file=$W/names.txt; fi
    b=$(p99 "$(port_of dotgate udp)" $file $rate)
    printf '%-12s %-8s %8s %10s %10s %10s\n' "$scen" "$peer" "$rate" "$a" "$b" \
      "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
  done
done

[ "${FOOTPRINT:-on}" = off ] && exit 0
# Footprint: each server started afresh on its own ports, after the throughput runs.
FU=19070; FT=19871
cleanup
PIDS=()
unbound -d -c $W/upstream.conf > $W/upstream.log 2>&1 & PIDS+=($!)
for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$UP) 2>/dev/null && break; sleep 0.1; done
cat > $W/fp-dotgate.toml <<EOC
[listen]
max_connections = 100000
[limits]
exempt = ["127.0.0.0/8"]
EOC
sed -e "s/127.0.0.1@$UB\$/127.0.0.1@$FU/" -e "s/127.0.0.1@$UBT\$/127.0.0.1@$FT/" -e "s/tls-port: $UBT/tls-port: $FT/" \
    -e "/127.0.0.1@$UBH/d" -e "/https-port/d" -e "s/incoming-num-tcp: 256/incoming-num-tcp: 4096/" \
    $W/forwarder.conf > $W/fp-unbound.conf
sed -e "s/127.0.0.1:$DD\"/127.0.0.1:$FU\"/" -e "s/127.0.0.1:$DDT\"/127.0.0.1:$FT\"/" -e "/addDOHLocal/d" \
    $W/dnsdist.conf > $W/fp-dnsdist.conf 2>/dev/null || true
fp() { # name command...
  local name=$1; shift
  python3 bench/footprint.py "$name" $FU $FT $W/ca.pem "$FOOTPRINT_CONNECTIONS" -- "$@"
}
echo
echo "footprint: start to first answer, resident size at idle, memory per idle DoT connection over the first"
echo "$FOOTPRINT_CONNECTIONS connections and over $FOOTPRINT_CONNECTIONS more (marginal)"
printf '%-8s %10s %10s %14s %14s\n' server "start ms" "idle MB" "bytes/conn" "marginal"
{
  fp dotgate env DOTGATE_JAR=$W/dotgate.jar ./dotgate run $DG_AS_ROOT --config $W/fp-dotgate.toml --listen 127.0.0.1:$FU \
    --dot-listen 127.0.0.1:$FT --upstream "tls://127.0.0.1:$UP#upstream.test" --upstream-ca $W/ca.pem \
    --cert $W/srv.pem --key $W/srv.key --data-dir $W/fp-dotgate --log-level warn --dnssec process
  [ -n "${BASELINE_JAR:-}" ] && fp baseline java -jar $W/baseline.jar run $BASELINE_DNSSEC --config $W/fp-dotgate.toml \
    --listen 127.0.0.1:$FU --dot-listen 127.0.0.1:$FT --upstream "tls://127.0.0.1:$UP#upstream.test" \
    --upstream-ca $W/ca.pem --cert $W/srv.pem --key $W/srv.key --data-dir $W/fp-baseline --log-level warn
  fp unbound unbound -d -c $W/fp-unbound.conf
  command -v dnsdist >/dev/null && fp dnsdist dnsdist --supervised --disable-syslog -C $W/fp-dnsdist.conf
} | awk '{ if ($2 == "-") printf "%-8s %10s %10s %14s %14s\n", $1, "-", "-", "-", "-";
           else printf "%-8s %10s %10.1f %14s %14s\n", $1, $2, $3 / 1024, $4, $5 }'
