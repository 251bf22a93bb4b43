#!/usr/bin/env bash
# The cost of DNSSEC validation, side by side on loopback with dnsperf: dotgate validating (dnssec.mode =
# validate) and not (process), beside Unbound as a validating forwarder (validator module, the same trust anchor)
# and as a plain one, all forwarding over DNS-over-TLS to one Unbound that serves a signed root zone.
#
#   bench/dnssec.sh [SECONDS_PER_RUN] [REPEATS]     (defaults 10 and 3; medians are reported)
#
# Scenarios (UDP in, no DO from the client, as phones and laptops ask):
#   val-forward  unique names under vbench. (a signed wildcard): every query goes upstream and its answer, a
#                wildcard expansion with its NSEC proof, is validated (the root's DNSKEY is fetched once)
#   val-cached   1,000 such names asked again and again: answered from each server's cache, validated once
# Only NOERROR answers count: a server that fails validation (SERVFAIL) does not look fast.
# Needs: dnsperf unbound nsd openssl dnssec-keygen dnssec-signzone (bind9-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}; REPEATS=${2:-3}
for t in dnsperf unbound nsd openssl dnssec-keygen dnssec-signzone; do
  command -v $t >/dev/null || { echo "bench: needs $t (apt-get install dnsperf unbound nsd openssl bind9-utils)" >&2; exit 2; }
done
# As root, dotgate is told to stay root (it refuses otherwise).
AS_ROOT=; [ "$(id -u)" -eq 0 ] && AS_ROOT=--allow-root
W=$(mktemp -d /tmp/dotgate-dnssec-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Ports: the signed upstream (DoT), dotgate validate and process, Unbound validating and plain
UP=19953; DV=19153; DP=19154; UV=19155; UPL=19156; AUTH=19157

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj "/CN=bench CA" \
  -keyout $W/ca.key -out $W/ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=upstream.test" -keyout $W/srv.key -out $W/srv.csr 2>/dev/null
printf 'subjectAltName=DNS:upstream.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > $W/ext.cnf
openssl x509 -req -in $W/srv.csr -CA $W/ca.pem -CAkey $W/ca.key -CAcreateserial -days 7 -extfile $W/ext.cnf -out $W/srv.pem 2>/dev/null

# A root zone of our own, signed (ECDSA P-256, NSEC): every name under vbench. is a wildcard expansion.
mkdir -p $W/keys
KSK=$(dnssec-keygen -q -K $W/keys -a ECDSAP256SHA256 -n ZONE -f KSK . | tail -1)
ZSK=$(dnssec-keygen -q -K $W/keys -a ECDSAP256SHA256 -n ZONE . | tail -1)
{
  echo '$TTL 3600'
  echo '. IN SOA ns.root. hostmaster.root. 1 3600 600 86400 300'
  echo '. IN NS ns.root.'
  echo 'ns.root. IN A 127.0.0.1'
  echo '*.vbench. IN A 192.0.2.3'
  cat $W/keys/$KSK.key $W/keys/$ZSK.key
} > $W/root.zone
dnssec-signzone -q -K $W/keys -o . -N keep -f $W/root.signed $W/root.zone >/dev/null
grep -v '^;' $W/keys/$KSK.key | grep DNSKEY > $W/anchor.key

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
# NSD serves the signed root; an iterator-only Unbound in front of it is the upstream every forwarder reaches over
# DoT (Unbound's own auth-zone expands a wildcard's NSEC along with its answer, which no validator accepts).
cat > $W/nsd.conf <<EOC
server:
  ip-address: 127.0.0.1@$AUTH
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "$W/zone.list"
  xfrdfile: "$W/xfrd.state"
  pidfile: "$W/nsd.pid"
  logfile: "$W/nsd.log"
  verbosity: 0
  server-count: 1
zone:
  name: "."
  zonefile: "$W/root.signed"
EOC
cat > $W/upstream.conf <<EOC
server:
  interface: 127.0.0.1@$UP
  tls-port: $UP
  num-threads: 1
  module-config: "iterator"
  qname-minimisation: no
$(common)
  do-not-query-localhost: no
stub-zone:
  name: "."
  stub-addr: 127.0.0.1@$AUTH
EOC
forwarder() { # port module-config [trust anchor line]
  cat <<EOC
server:
  interface: 127.0.0.1@$1
  num-threads: 2
  so-reuseport: yes
  module-config: "$2"
  ${3:-}
$(common)
  tls-cert-bundle: "$W/ca.pem"
  do-not-query-localhost: no
forward-zone:
  name: "."
  forward-tls-upstream: yes
  forward-addr: 127.0.0.1@$UP#upstream.test
EOC
}
# aggressive-nsec off: with it (RFC 8198) Unbound answers every name under the wildcard from the first proof it
# cached, so val-forward would forward nothing (and its cached answers run at a fifth of the speed: measured
# 45k q/s against 226-259k without it). Both forwarders here forward and validate each new name.
forwarder $UV "validator iterator" "trust-anchor-file: \"$W/anchor.key\"
  aggressive-nsec: no" > $W/unbound-validate.conf
forwarder $UPL "iterator" > $W/unbound-plain.conf
nsd -d -c $W/nsd.conf > $W/nsd.out 2>&1 & PIDS+=($!)
unbound -d -c $W/upstream.conf > $W/upstream.log 2>&1 & PIDS+=($!)
unbound -d -c $W/unbound-validate.conf > $W/unbound-validate.log 2>&1 & PIDS+=($!)
unbound -d -c $W/unbound-plain.conf > $W/unbound-plain.log 2>&1 & PIDS+=($!)

./dotgate version >/dev/null && cp target/dotgate.jar $W/dotgate.jar
printf '[dnssec]\nmode = "validate"\ntrust_anchors = ["%s"]\n' "$W/anchor.key" > $W/validate.toml
for mode in validate process; do
  port=$DV; [ $mode = process ] && port=$DP
  DOTGATE_JAR=$W/dotgate.jar ./dotgate run $AS_ROOT --config $W/validate.toml --dnssec $mode --listen 127.0.0.1:$port \
    --dot-listen 127.0.0.1:0 --upstream "tls://127.0.0.1:$UP#upstream.test" --upstream-ca $W/ca.pem \
    --data-dir $W/dotgate-$mode --log-level warn > $W/dotgate-$mode.log 2>&1 & PIDS+=($!)
done
for p in $DV $DP $UV $UPL; do
  for i in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done
sleep 1
for p in $DV $UV; do
  dig +short +tries=1 @127.0.0.1 -p $p check.vbench. A | grep -q 192.0.2.3 || { echo "bench: 127.0.0.1:$p does not validate" >&2; exit 1; }
done
dig +dnssec +tries=1 @127.0.0.1 -p $DV check.vbench. A | grep -q 'flags: qr rd ra ad;' || { echo "bench: dotgate gave no AD" >&2; exit 1; }

RUN=0
names() { RUN=$((RUN + 1)); awk -v r=$RUN 'BEGIN { for (i = 0; i < 1500000; i++) printf "q%d-%d.vbench. A\n", r, i }' > $W/names.txt; }
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "c%d.vbench. A\n", i }' > $W/cached.txt
qps() { # port file
  dnsperf -s 127.0.0.1 -p "$1" -d "$2" -l "$SECS" -c 8 -q 500 -t 3 > $W/dnsperf.out 2>&1 || true
  awk '/Queries per second/ { q = $4 } /Queries completed/ { c = $3 } /NOERROR/ { for (i = 1; i <= NF; i++) if ($i == "NOERROR") n = $(i + 1) }
       END { if (c > 0) printf "%d", q * n / c; else print 0 }' $W/dnsperf.out
}
port_of() { case $1 in dotgate-validate) echo $DV;; dotgate-process) echo $DP;; unbound-validate) echo $UV;; unbound-plain) echo $UPL;; esac; }
SERVERS="dotgate-validate dotgate-process unbound-validate unbound-plain"

# Warm the JVMs up, then fill the caches with the cached names.
for p in $DV $DP; do names; dnsperf -s 127.0.0.1 -p $p -d $W/names.txt -l 5 -c 8 -q 500 >/dev/null 2>&1 || true; done
for s in $SERVERS; do dnsperf -s 127.0.0.1 -p "$(port_of $s)" -d $W/cached.txt -n 1 -c 1 -q 100 >/dev/null 2>&1 || true; done

declare -A R
for rep in $(seq 1 "$REPEATS"); do
  for scen in val-forward val-cached; do
    for s in $SERVERS; do
      if [ $scen = val-forward ]; then names; f=$W/names.txt; else f=$W/cached.txt; fi
      R[$scen-$s-$rep]=$(qps "$(port_of $s)" $f)
      echo "round $rep $scen $s ${R[$scen-$s-$rep]}" >&2
    done
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
med() { local v=(); for rep in $(seq 1 "$REPEATS"); do v+=("${R[$1-$2-$rep]}"); done; median "${v[@]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
printf '%-12s %12s %12s %12s %12s %10s %10s %12s\n' scenario dotgate-val dotgate-proc unbound-val unbound-plain \
  "dg val/proc" "ub val/pl" "dg/ub (val)"
for scen in val-forward val-cached; do
  dv=$(med $scen dotgate-validate); dp=$(med $scen dotgate-process); uv=$(med $scen unbound-validate); up=$(med $scen unbound-plain)
  printf '%-12s %12s %12s %12s %12s %10s %10s %12s\n' $scen "$dv" "$dp" "$uv" "$up" "$(ratio $dv $dp)" "$(ratio $uv $up)" "$(ratio $dv $uv)"
done
