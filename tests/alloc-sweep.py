#!/usr/bin/env python3
"""alloc-sweep: allocation failures over whole checks (tests/alloc/failalloc.c).

For lab domains of every class (accept, annotate, defer, reject; the MX,
host, authority, SMTP, DNSSEC and timeout paths), a clean `mxvet check
--json` run counts the allocation calls mxvet's own code makes during the
check; then one run per N fails the Nth of them. Every run must end,
without a crash, a hang or a sanitizer report (leaks included in an ASan
build), in either the domain's own verdict and findings (the failure was
absorbed) or no verdict at all (exit 69, "verdict": null): an allocation
failure is mxvet's own fault, never a finding. A healthy domain thus never
gets a 4xx/5xx or an annotation.

Only mxvet's own call sites are failed (FAILALLOC_SCOPE=own, see
failalloc.c): libldns, libevent and libunbound crash on some failures of
their own allocations, which mxvet cannot prevent; tests/alloc/library-oom.txt
lists those seen (SWEEP_SCOPE=all shows them again).

Every N is tried for the fast domains; the slow ones (timeouts, silent
servers) and every domain of a sanitizer build get SWEEP_RUNS runs
(default 24) evenly spaced from an offset SWEEP_SEED (default: the day of
the year), and the coverage is printed. SWEEP=all tries every N
everywhere (make check-alloc). MXVET may name another mxvet. Loopback
lab. TAP."""
import concurrent.futures, json, os, subprocess, sys, tempfile, time

top = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.environ.get("top_builddir", top)
MXVET = os.environ.get("MXVET", os.path.join(build, "mxvet"))
SHIM = os.environ.get("FAILALLOC", os.path.join(build, "tests/alloc/failalloc.so"))
# one a class: accept, alias, SERVFAIL, null MX, NXDOMAIN, NODATA (implicit
# MX), MX host without address, typo, DNSSEC bogus, the authority stage's
# findings (inconsistent, lame, wildcard additional, EDNS, apex CNAME), SMTP
# refused, silent and partly down, and a DNS timeout. The apex CNAME is
# apexcname-all.test (always a CNAME): apexcname.test's farm alternates
# per query across all clients, so a test running beside the sweep shifts
# what one check sees, and the verdict would not depend on N alone.
DOMAINS = ["healthy.test", "mxcname.test", "servfail.test", "nullmx.test", "nxdomain.test",
           "implicit.test", "mxnoaddr.test", "mxtypo.test", "bogus.test", "nsdiff.test",
           "lame.test", "wildcard.test", "ednsfail.test", "apexcname-all.test",
           "smtprefused.test", "smtpsilent.test", "primarydown.test", "timeout.test"]
DOMAINS = os.environ.get("SWEEP_DOMAINS", "").split() or DOMAINS
SLOW_S = 0.5		# a clean run longer than this is sampled
RUN_TIMEOUT = 30
# SWEEP_ARGS: more mxvet check options
ARGS = os.environ.get("SWEEP_ARGS", "").split()
n_ok = 0


def ok(cond, name, diag=None):
    global n_ok
    n_ok += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n_ok, name))
    if not cond and diag:
        for line in str(diag).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def run(conf, domain, n, count_file=None):
    env = dict(os.environ, LD_PRELOAD=SHIM, FAILALLOC_N=str(n),
               FAILALLOC_SCOPE=os.environ.get("SWEEP_SCOPE", "own"),
               ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=1:halt_on_error=1:"
                            "allocator_may_return_null=1")
    if count_file:
        env["FAILALLOC_COUNT"] = count_file
    try:
        p = subprocess.run([MXVET, "check", "--json", "--config", conf] + ARGS + [domain], env=env,
                           capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    return p


def summary(p):
    try:
        j = json.loads(p.stdout.splitlines()[0])
    except (ValueError, IndexError):
        return None
    return (j.get("verdict"), tuple(sorted({f["code"] for f in j.get("findings", [])
                                           if f["action"] != "ignore"})))


def judge(p, want):
    """None if the run is acceptable, else why not."""
    if p is None:
        return "hung (no exit within %d s)" % RUN_TIMEOUT
    err = p.stderr
    if p.returncode < 0 or p.returncode > 128 or "Sanitizer" in err or "runtime error" in err:
        return "crash or sanitizer report (exit %d): %s" % (p.returncode, err[-1500:])
    if p.returncode == 69:
        s = summary(p)
        if s is not None and s[0] is not None:
            return "exit 69 with a verdict %s" % (s,)
        return None
    got = summary(p)
    if p.returncode != want[0] or got != want[1]:
        return "exit %d %s, want exit %d %s; stderr: %s" % (p.returncode, got, want[0], want[1],
                                                           err[-600:])
    return None


def main():
    work = tempfile.mkdtemp(prefix="mxvet-alloc-")
    conf = os.path.join(work, "mxvet.conf")
    r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && '
                        'lab_conf "$1" "state_dir=" "dns_timeout=1s" "authority_timeout=1s" '
                        '"smtp_banner_timeout=1s"', "lab", conf],
                       env=dict(os.environ, top_srcdir=top, top_builddir=build),
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("Bail out! cannot start the lab: " + r.stderr.strip()[-500:])
        return 1
    if not os.path.exists(SHIM):
        print("Bail out! no %s" % SHIM)
        return 1
    full = os.environ.get("SWEEP") == "all"
    per = int(os.environ.get("SWEEP_RUNS", "24"))
    ldd = subprocess.run(["ldd", MXVET], capture_output=True, text=True).stdout
    sanitized = "libasan" in ldd or "libubsan" in ldd
    seed = int(os.environ.get("SWEEP_SEED", time.strftime("%j")))
    print("1..%d" % (2 * len(DOMAINS)))
    failed = False
    for d in DOMAINS:
        cnt = os.path.join(work, "count")
        t0 = time.time()
        p = run(conf, d, 0, cnt)
        slow = sanitized or time.time() - t0 > SLOW_S
        total = int(open(cnt).read()) if os.path.exists(cnt) else 0
        want = (p.returncode, summary(p)) if p else None
        if not ok(p is not None and judge(p, want) is None and total > 0 and want[1][0],
                  "%s: clean run, exit %s, %s, %d allocation calls" %
                  (d, want and want[0], want and want[1], total), p and p.stderr[-800:]):
            failed = True
            continue
        if full or not slow or per >= total:
            ns = list(range(1, total + 1))
        else:
            stride = total / per
            ns = sorted({1 + int((seed % max(1, int(stride))) + i * stride) for i in range(per)})
            ns = [n for n in ns if n <= total]
        bad = []
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            for n, res in zip(ns, ex.map(lambda n: run(conf, d, n), ns)):
                why = judge(res, want)
                if why:
                    bad.append("N=%d: %s" % (n, why))
        if not ok(not bad, "%s: %d of %d allocation calls failed one at a time (%.0f%%), "
                  "each ends in the verdict or no verdict (%.0f s)" %
                  (d, len(ns), total, 100.0 * len(ns) / total, time.time() - t0),
                  "\n".join(bad[:10]) + ("\n... %d more" % (len(bad) - 10) if len(bad) > 10 else "")):
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
