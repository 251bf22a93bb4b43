#!/usr/bin/env bash
# Side-by-side throughput on loopback with dnsperf: dotgate against Unbound (and Stubby and dnsdist when
# installed), all forwarding over DNS-over-TLS to the same upstream Unbound, in the same run.
#
#   bench/run.sh [SECONDS_PER_RUN] [REPEATS]        (defaults 10 and 3; medians are reported)
#
# Needs: dnsperf unbound openssl (Debian packages); optional: stubby dnsdist.
# Scenarios:
#   udp-forward  unique names, UDP in, DoT out: every query goes upstream
#   dot-forward  unique names, DoT in over 8 persistent connections, DoT out
#   udp-cached   1,000 names asked again and again, UDP in: answered from each server's cache
#   dot-cached   the same over DoT (8 persistent connections)
# Caches are on everywhere they exist: dotgate's and Unbound's by default, dnsdist's packet cache configured
# here; Stubby has none and is left out of the cached scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
REPEATS=${2:-3}
for t in dnsperf unbound openssl; do command -v $t >/dev/null || { echo "bench: needs $t (apt-get install dnsperf unbound openssl)" >&2; exit 2; }; done
W=$(mktemp -d /tmp/dotgate-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Ports: upstream, dotgate (plain, dot), unbound forwarder (plain, dot), stubby, dnsdist (plain, dot)
UP=19853; DG=19053; DGT=19854; UB=19054; UBT=19855; ST=19055; DD=19056; DDT=19856

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
  tls-port: $UP
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
  tls-port: $UBT
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
java -jar $W/dotgate.jar run --listen 127.0.0.1:$DG --dot-listen 127.0.0.1:$DGT --upstream "tls://127.0.0.1:$UP#upstream.test" \
  --upstream-ca $W/ca.pem --data-dir $W/dotgate --log-level warn > $W/dotgate.log 2>&1 & PIDS+=($!)

SERVERS="dotgate unbound"
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
setLocal("127.0.0.1:$DD")
addTLSLocal("127.0.0.1:$DDT", "$W/srv.pem", "$W/srv.key", {provider="openssl"})
newServer({address="127.0.0.1:$UP", tls="openssl", subjectName="upstream.test", caStore="$W/ca.pem", validateCertificates=true, maxInFlight=1000, checkName="check.bench.test."})
setMaxTCPClientThreads(2)
getPool(""):setCache(newPacketCache(100000))
EOC
  dnsdist --supervised --disable-syslog -C $W/dnsdist.conf > $W/dnsdist.log 2>&1 & PIDS+=($!)
  SERVERS="$SERVERS dnsdist"
fi

port_of() { case "$1-$2" in dotgate-udp) echo $DG;; dotgate-dot) echo $DGT;; unbound-udp) echo $UB;; unbound-dot) echo $UBT;;
  stubby-udp) echo $ST;; dnsdist-udp) echo $DD;; dnsdist-dot) echo $DDT;; *) echo "";; esac; }

for p in $UP $DG $DGT $UB; do
  for i in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done
sleep 1

RUN=0
names() { # unique names for one run
  RUN=$((RUN + 1)); awk -v r=$RUN 'BEGIN { for (i = 0; i < 1500000; i++) printf "q%d-%d.bench.test A\n", r, i }' > $W/names.txt; }
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "c%d.bench.test A\n", i }' > $W/cached.txt
qps() { # mode port file
  local mode=$1 port=$2 file=$3 extra=""
  [ "$mode" = dot ] && extra="-m dot"
  dnsperf -s 127.0.0.1 -p "$port" $extra -d "$file" -l "$SECS" -c 8 -q 500 -t 3 > $W/dnsperf.out 2>&1 || true
  # Only NOERROR answers count: a server failing fast must not look fast.
  awk '/Queries per second/ { q = $4 } /Queries completed/ { c = $3 } /NOERROR/ { for (i = 1; i <= NF; i++) if ($i == "NOERROR") n = $(i + 1) }
       END { if (c > 0) printf "%d", q * n / c; else print 0 }' $W/dnsperf.out
}

# Warm up the JVM (and every server's connections) before measuring.
names; dnsperf -s 127.0.0.1 -p $DG -d $W/names.txt -l 5 -c 8 -q 500 >/dev/null 2>&1 || true

# Fill every cache with the cached scenarios' names.
for srv in $SERVERS; do
  port=$(port_of $srv udp); [ "$srv" = stubby ] || dnsperf -s 127.0.0.1 -p "$port" -d $W/cached.txt -n 1 -c 1 -q 100 >/dev/null 2>&1 || true
done

SCENARIOS="udp-forward dot-forward udp-cached dot-cached"
declare -A R
for rep in $(seq 1 "$REPEATS"); do
  for scen in $SCENARIOS; do
    mode=${scen%-*}
    for srv in $SERVERS; do
      port=$(port_of $srv $mode); [ -n "$port" ] || continue
      if [ "${scen#*-}" = cached ]; then
        [ "$srv" = stubby ] && continue
        file=$W/cached.txt
      else
        names; file=$W/names.txt
      fi
      R[$srv-$scen-$rep]=$(qps $mode $port $file)
      echo "run $rep: $srv $scen ${R[$srv-$scen-$rep]} NOERROR q/s ($(grep -E 'Response codes' $W/dnsperf.out | sed 's/^ *//'))" >&2
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
