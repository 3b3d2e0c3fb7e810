#!/bin/bash
# make demo: start the loopback lab, run `mxvet check` on every lab domain,
# print one line per domain (verdict, finding codes, expected), stop the lab.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$PWD}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lab-env.sh"
started=0
"$LAB" status "$MXVET_LAB" >/dev/null 2>&1 || started=1
lab_acquire || { echo "demo: the lab did not start" >&2; exit 1; }
conf=$(mktemp /tmp/mxvet-demo-XXXXXX.conf)
lab_conf "$conf"
domains=$(grep -v '^#' "$top_srcdir/tests/lab/domains.tsv" | cut -f1 | grep .)
echo "mxvet check on the loopback lab ($(echo "$domains" | wc -l) domains, all checks):"
"$top_builddir/mxvet" check --json --config "$conf" $domains > "$conf.out"
rc=$?
python3 - "$conf.out" "$top_srcdir/tests/lab/domains.tsv" <<'PY'
import json, sys
exp = {}
for line in open(sys.argv[2]):
    if line.startswith("#") or not line.strip():
        continue
    c = line.rstrip("\n").split("\t")
    exp[c[0]] = (c[1], c[2] if len(c) > 2 else "-")
good = 0
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for j in rows:
    codes = ",".join(sorted(set(f["code"] for f in j["findings"]))) or "-"
    v, want = exp.get(j["domain"], ("?", "?"))
    mark = "ok " if (j["verdict"], codes) == (v, want) else "BAD"
    good += mark == "ok "
    print("%s %-22s %-8s %-45s %5d ms%s" % (mark, j["domain"], j["verdict"], codes,
          j["elapsed_ms"], "" if mark == "ok " else "   (expected %s %s)" % (v, want)))
print("%d of %d domains as expected" % (good, len(rows)))
PY
echo "mxvet check exit status: $rc (0 accept, 1 annotate, 2 defer, 3 reject: the worst)"
rm -f "$conf" "$conf.out"
if [ $started = 1 ]; then
	"$LAB" stop "$MXVET_LAB" >/dev/null 2>&1
	rm -f "$MXVET_LAB.lease"
fi
