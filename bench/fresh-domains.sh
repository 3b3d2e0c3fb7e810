#!/bin/bash
# Fresh-domain throughput (the second bar of bench/README.md): full checks (dns +
# authority, cold cache) of N healthy zones served by nsd on loopback,
# against plain libunbound resolution of the same MX and MX-host A/AAAA
# (bench/ub_floor), in the same run. Touches 127.54.0.0/16 only.
set -eu
N=${N:-2000}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
D=${BENCH_DIR:-/tmp/mxvet-bench-fresh}
NS=127.54.0.1

rm -rf "$D"; mkdir -p "$D/zones"
cleanup() { [ -f "$D/nsd.pid" ] && kill "$(cat "$D/nsd.pid")" 2>/dev/null; true; }
trap cleanup EXIT

soa() { echo "\$TTL 3600
@ IN SOA ns.bench. hostmaster.bench. 1 3600 600 86400 300
@ IN NS ns.bench."; }
{
	soa
	echo "ns IN A $NS"
	for i in $(seq 1 "$N"); do echo "d$i IN NS ns.bench."; done
} > "$D/zones/bench.zone"
: > "$D/domains"
{
	echo "server:
  ip-address: $NS
  port: 53
  username: \"\"
  zonesdir: \"$D/zones\"
  pidfile: \"$D/nsd.pid\"
  database: \"\"
  logfile: \"$D/nsd.log\"
  server-count: 1
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: \"bench.\"
  zonefile: \"bench.zone\""
	for i in $(seq 1 "$N"); do
		echo "zone:
  name: \"d$i.bench.\"
  zonefile: \"d$i.zone\""
	done
} > "$D/nsd.conf"
for i in $(seq 1 "$N"); do
	{ soa; echo "@ IN MX 10 mx
mx IN A 127.54.1.$(( i % 250 + 1 ))"; } > "$D/zones/d$i.zone"
	echo "d$i.bench" >> "$D/domains"
done
nsd -c "$D/nsd.conf"
for _ in $(seq 1 100); do
	dig +short +time=1 +tries=1 @$NS d1.bench MX >/dev/null 2>&1 && break
	sleep 0.1
done
cat > "$D/unbound.conf" <<EOC
server:
  do-not-query-localhost: no
  do-ip6: no
  harden-referral-path: no
stub-zone:
  name: "bench."
  stub-addr: $NS
EOC
cat > "$D/mxvet.conf" <<EOC
unbound_config = $D/unbound.conf
mx_allowed_networks = 127.54.0.0/16
checks = dns, authority
mx_providers_file = $top_srcdir/data/mx-providers.txt
EOC

echo "fresh-domain benchmark: $N zones on nsd $NS, cold caches"
"$top_builddir/bench/ub_floor" "$D/unbound.conf" "$D/domains" | tee "$D/floor.out"
t0=$(date +%s.%N)
"$top_builddir/mxvet" check --json --no-smtp --config "$D/mxvet.conf" $(cat "$D/domains") > "$D/mxvet.out" || true
t1=$(date +%s.%N)
python3 - "$D/mxvet.out" "$t0" "$t1" "$D/floor.out" <<'PY'
import json, sys, re
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
secs = float(sys.argv[3]) - float(sys.argv[2])
acc = sum(1 for r in rows if r["verdict"] == "accept")
rate = len(rows) / secs
floor = float(re.search(r"([0-9.]+) domains/s", open(sys.argv[4]).read()).group(1))
print("mxvet check (dns+authority): %d domains in %.3f s: %.0f domains/s (%d accept)" % (len(rows), secs, rate, acc))
print("ratio to plain libunbound: %.2f (bar: >= 0.5)" % (rate / floor))
PY
