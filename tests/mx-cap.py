#!/usr/bin/env python3
"""mx-cap: a domain publishing 2,000 MX records is checked on its 64 most
preferred (the JSON lists 64, the most preferred first), in bounded time.
DNS from libunbound local-data; no network at all."""
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policy_fixture import Tap  # noqa: E402

tap = Tap()
build = os.environ.get("top_builddir", os.path.join(os.path.dirname(__file__), ".."))
work = tempfile.mkdtemp(prefix="mxvet-mxcap-")
ub = os.path.join(work, "unbound.conf")
with open(ub, "w") as f:
    f.write('server:\n  module-config: "iterator"\n  local-zone: "test." nodefault\n'
            '  local-zone: "cap.test." static\n')
    for i in range(2000):
        f.write('  local-data: "many.cap.test. 300 IN MX %d h%d.cap.test."\n' % (2000 - i, i))
conf = os.path.join(work, "mxvet.conf")
with open(conf, "w") as f:
    # user: who runs the test (as root, mxvet check becomes an existing
    # daemon user); no history (never the system's /var/lib/mxvet)
    f.write("unbound_config = %s\nchecks = dns\ndns_timeout = 3s\nmx_providers_file =\n"
            "user =\nstate_dir =\n" % ub)
t0 = time.time()
r = subprocess.run([os.path.join(build, "mxvet"), "check", "--json", "--config", conf, "many.cap.test"],
                   capture_output=True, text=True, timeout=120)
t = time.time() - t0
try:
    j = json.loads(r.stdout.splitlines()[0])
except (ValueError, IndexError):
    j = {"stdout": r.stdout[:500], "stderr": r.stderr[:500]}
mx = j.get("mx", [])
print("# 2000 MX records: %d in the JSON, %.2f s" % (len(mx), t))
tap.ok(len(mx) == 64, "64 of 2,000 MX records examined", len(mx))
tap.ok(mx and mx[0]["preference"] == 1 and mx[-1]["preference"] == 64,
       "the most preferred ones", [m.get("preference") for m in mx[:2] + mx[-1:]])
tap.ok(t < 20, "in bounded time", t)
sys.exit(0 if tap.plan() else 1)
