#!/usr/bin/env python3
"""dns-forwarder: an unbound_config that forwards to a resolver on 127.0.0.1
(a local caching resolver, the common set-up) still resolves, although
127.0.0.1 is outside mx_allowed_networks: the address policy keeps
libunbound away from loopback except for the forwarders the admin named.
And an MX at 127.0.0.1 is still MX_LOCALHOST (the exemption is for DNS
only). Loopback only."""
import json, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from policy_fixture import FakeDNS, Tap  # noqa: E402

tap = Tap()
build = os.environ.get("top_builddir", os.path.join(os.path.dirname(__file__), ".."))
work = tempfile.mkdtemp(prefix="mxvet-fwd-")
dns = FakeDNS()
ub = os.path.join(work, "unbound.conf")
with open(ub, "w") as f:
    f.write('server:\n  module-config: "iterator"\n  local-zone: "test." nodefault\n'
            'forward-zone:\n  name: "."\n  forward-addr: "127.0.0.1@%d"   # local resolver\n'
            % dns.port)
conf = os.path.join(work, "mxvet.conf")
with open(conf, "w") as f:
    # user: who runs the test (as root, mxvet check becomes an existing
    # daemon user); no history (never the system's /var/lib/mxvet)
    f.write("unbound_config = %s\nchecks = dns\ndns_timeout = 3s\nmx_providers_file =\n"
            "user =\nstate_dir =\n" % ub)


def check(domain):
    r = subprocess.run([os.path.join(build, "mxvet"), "check", "--json", "--config", conf, domain],
                       capture_output=True, text=True, timeout=60)
    try:
        return r.returncode, json.loads(r.stdout.splitlines()[0])
    except (ValueError, IndexError):
        return r.returncode, {"stdout": r.stdout, "stderr": r.stderr}


rc, j = check("nullmx.pt.test")
tap.ok(rc == 3 and [x["code"] for x in j.get("findings", [])] == ["NULL_MX"],
       "a forwarder on 127.0.0.1 named in unbound_config is asked", j)
rc, j = check("ok1.pt.test")
codes = [x["code"] for x in j.get("findings", [])]
tap.ok(j.get("mx_status") == "NOERROR" and j.get("mx", [{}])[0].get("addresses") == ["127.0.0.25"],
       "the forwarder's answers are used for the MX host's address too", j)
tap.ok(rc == 3 and "MX_LOCALHOST" in codes,
       "an MX on loopback is still MX_LOCALHOST: the exemption is for the forwarder only", j)
dns.stop = True
sys.exit(0 if tap.plan() else 1)
