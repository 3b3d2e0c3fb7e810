#!/bin/bash
# SMTP prober throughput against the lab's greeting hosts (127.25.0.x:2525):
# bench/smtp_probe_bench probes them again and again without cache
# (COUNT probes, at most SECONDS). Needs a running lab: MXVET_LAB, else the
# shared one is started (tests/lab-env.sh). `make bench-smtp`.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
COUNT=${COUNT:-20000}
SECONDS_MAX=${SECONDS_MAX:-20}
. "$top_srcdir/tests/lab-env.sh"
"$LAB" status "$MXVET_LAB" >/dev/null 2>&1 || lab_acquire
# the hosts that greet 2xx, from the lab's own host table
HOSTS=$(python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
print(" ".join(h["addr"] for h in j["hosts"] if h["mode"].startswith("ok")))' "$MXVET_LAB/fakesmtp.json")
PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$MXVET_LAB/fakesmtp.json")
echo "hosts: $HOSTS (port $PORT)"
"$top_builddir/bench/smtp_probe_bench" "$PORT" "$COUNT" "$SECONDS_MAX" $HOSTS
