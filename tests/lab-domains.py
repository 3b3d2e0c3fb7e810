#!/usr/bin/env python3
"""Every lab domain through `mxvet check --json`: verdict and the exact set
of finding codes must match tests/lab/domains.tsv. TAP output."""
import json
import os
import subprocess
import sys
import tempfile

top_src = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
top_build = os.environ.get("top_builddir", top_src)
lab = os.environ.get("MXVET_LAB", "/tmp/mxvet-lab")
mxvet = os.path.join(top_build, "mxvet")


def bail(msg):
    print("Bail out! " + msg)
    sys.exit(1)


def load_expectations():
    rows = []
    with open(os.path.join(top_src, "tests/lab/domains.tsv")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                continue
            codes = set() if cols[2].strip() in ("-", "") else set(c.strip() for c in cols[2].split(","))
            rows.append((cols[0].strip(), cols[1].strip(), codes))
    return rows


def main():
    conf = tempfile.NamedTemporaryFile(prefix="mxvet-lab-", suffix=".conf", delete=False).name
    env = dict(os.environ, top_srcdir=top_src, top_builddir=top_build, MXVET_LAB=lab)
    r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && lab_conf "$1"',
                        "lab", conf], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        bail("cannot start the lab: " + r.stderr.strip()[-500:])
    rows = load_expectations()
    domains = [d for d, _, _ in rows]
    p = subprocess.run([mxvet, "check", "--json", "--config", conf] + domains,
                       capture_output=True, text=True, timeout=120)
    os.unlink(conf)
    results = {}
    for line in p.stdout.splitlines():
        try:
            j = json.loads(line)
            results[j["domain"]] = j
        except (ValueError, KeyError):
            pass
    print("1..%d" % (len(rows) + 1))
    n = 0
    worst = 0
    order = {"accept": 0, "annotate": 1, "defer": 2, "reject": 3}
    for domain, verdict, codes in rows:
        n += 1
        j = results.get(domain)
        if j is None:
            print("not ok %d - %s: no result (stderr: %s)" % (n, domain, p.stderr.strip()[-300:]))
            continue
        got = set(f["code"] for f in j["findings"])
        worst = max(worst, order.get(j["verdict"], 0))
        if j["verdict"] == verdict and got == codes:
            print("ok %d - %s: %s %s" % (n, domain, verdict, ",".join(sorted(codes)) or "-"))
        else:
            print("not ok %d - %s: got %s %s, want %s %s" % (
                n, domain, j["verdict"], ",".join(sorted(got)) or "-", verdict,
                ",".join(sorted(codes)) or "-"))
            for f in j["findings"]:
                print("#   %s %s: %s" % (f["code"], f["action"], f["detail"]))
    n += 1
    if p.returncode == worst:
        print("ok %d - exit status %d is the worst verdict" % (n, p.returncode))
    else:
        print("not ok %d - exit status %d, want %d" % (n, p.returncode, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
