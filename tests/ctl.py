#!/usr/bin/env python3
"""ctl: `mxvet ctl` and the admin API's state-changing endpoints, against
mxvetd on the loopback lab, over TCP and over a unix socket (TAP).
  - ctl check DOMAIN: the daemon's verdict (a check, then the cache);
    ctl check --fresh DOMAIN: a new check although the verdict is cached;
  - ctl flush DOMAIN: that verdict expires (the next policy request checks
    again), other domains stay cached; ctl flush --all: every one;
  - state changes only by POST: GET to /v1/flush/*, /v1/flush-all and
    /v1/check/*?fresh=1 gets 405 with an Allow header, and changes nothing;
    a POST with an Origin header (a web page) gets 403;
  - usage errors exit 64, an unreachable daemon 69;
  - admin_listen = unix:PATH: the socket has unix_socket_mode, ctl works
    through it, a user the mode leaves out cannot connect (exit 69)."""
import json, os, shutil, stat, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import lab_daemon as ld  # noqa: E402

tap = pf.Tap()
ok = tap.ok
MXVET = os.path.join(ld.build, "mxvet")
NULLMX = "action=556 5.1.10 recipient domain nullmx.test publishes a null MX (RFC 7505) [NULL_MX]"


def ctl(d, *args, user=None):
    cmd = [MXVET, "ctl", "--config", d.conf] + list(args)
    if user is not None:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def started(d):
    return ld.samples(d.metrics_text()).get("mxvet_checks_started_total", -1)


def main():
    work = tempfile.mkdtemp(prefix="mxvet-ctl-")
    os.chmod(work, 0o755)   # the daemon's user and the refused user look inside
    try:
        d = ld.LabDaemon(os.path.join(work, "tcp"))
    except ld.LabUnavailable as e:
        print("Bail out! %s" % e)
        return
    try:
        over_tcp(d)
    finally:
        rc = d.stop()
    ok(rc == 0 and not d.log_problems(), "TCP daemon: exit 0 on SIGTERM, a clean log",
       (rc, d.log_problems()))
    sock = os.path.join(work, "unix", "admin.sock")
    d = ld.LabDaemon(os.path.join(work, "unix"), {"admin_listen": "unix:" + sock,
                                                  "unix_socket_mode": "0660"})
    try:
        over_unix(d, sock)
    finally:
        rc = d.stop()
    ok(rc == 0 and not os.path.exists(sock) and not d.log_problems(),
       "unix daemon: exit 0 on SIGTERM, socket removed, a clean log",
       (rc, os.path.exists(sock), d.log_problems()))
    if tap.plan():
        shutil.rmtree(work, ignore_errors=True)


def over_tcp(d):
    # check, then the cache, then --fresh
    s0 = started(d)
    rc, out, err = ctl(d, "check", "healthy.test")
    a = json.loads(out) if rc == 0 else {}
    rc2, out2, _ = ctl(d, "check", "healthy.test")
    b = json.loads(out2) if rc2 == 0 else {}
    s1 = started(d)
    ok(a.get("verdict") == "accept" and a.get("cached") is False and b.get("cached") is True
       and s1 == s0 + 1, "ctl check: a check, then the cached verdict", (rc, err, a, b, s0, s1))
    rc, out, err = ctl(d, "check", "--fresh", "healthy.test")
    f = json.loads(out) if rc == 0 else {}
    ok(f.get("verdict") == "accept" and f.get("cached") is False and "mx" in f
       and started(d) == s1 + 1, "ctl check --fresh: a new check although cached", (rc, err, f))

    # flush one domain: the next request checks it again, others stay cached
    d.ask(["u@nullmx.test", "u@nxdomain.test"])
    d.settle()
    m0 = ld.samples(d.metrics_text())
    rc, out, err = ctl(d, "flush", "NullMX.test.")
    fl = json.loads(out) if rc == 0 else {}
    ans = d.ask(["u@nullmx.test", "u@nxdomain.test"])
    m1 = ld.samples(d.metrics_text())
    ok(fl == {"domain": "nullmx.test", "flushed": 1} and ans[0] == NULLMX
       and m1["mxvet_checks_started_total"] == m0["mxvet_checks_started_total"] + 1
       and m1["mxvet_cache_hits_total"] == m0["mxvet_cache_hits_total"] + 1
       and m1["mxvet_cache_flushed_total"] == m0["mxvet_cache_flushed_total"] + 1,
       "ctl flush DOMAIN: that domain is checked again, the other answered from the cache",
       (rc, err, fl, ans, m0.get("mxvet_checks_started_total"), m1.get("mxvet_checks_started_total")))
    rc, out, _ = ctl(d, "flush", "never-seen.test")
    ok(rc == 0 and json.loads(out) == {"domain": "never-seen.test", "flushed": 0},
       "ctl flush of a domain not cached: flushed 0", out)

    # flush --all
    d.settle()
    entries = ld.samples(d.metrics_text())["mxvet_cache_entries"]
    rc, out, err = ctl(d, "flush", "--all")
    n = json.loads(out).get("flushed") if rc == 0 else None
    s2 = started(d)
    d.ask(["u@healthy.test", "u@nxdomain.test"])
    ok(n is not None and n >= 3 and n <= entries and started(d) == s2 + 2,
       "ctl flush --all: every cached verdict expires (%s)" % n, (rc, err, n, entries))

    # state changes only by POST
    d.settle()
    d.ask(["u@nullmx.test"])
    m0 = ld.samples(d.metrics_text())
    refused = []
    for path in ["/v1/flush/nullmx.test", "/v1/flush-all", "/v1/check/nullmx.test?fresh=1"]:
        st, hdr, _ = d.http("GET", path)
        refused.append((path, st, hdr.get("Allow")))
    m1 = ld.samples(d.metrics_text())
    ok(all(st == 405 and allow and "POST" in allow for _, st, allow in refused)
       and m1["mxvet_checks_started_total"] == m0["mxvet_checks_started_total"]
       and m1["mxvet_cache_flushed_total"] == m0["mxvet_cache_flushed_total"]
       and d.ask(["u@nullmx.test"]) == [NULLMX],
       "GET to a POST endpoint: 405 with Allow: POST, nothing changed", refused)
    st, hdr, _ = d.http("POST", "/metrics")
    st2, _, _ = d.http("POST", "/v1/flush-all", {"Origin": "http://evil.example"})
    st3, _, _ = d.http("DELETE", "/v1/flush-all")
    # DNS rebinding: a page's own name in Host, for a read and a write
    st5, _, _ = d.http("GET", "/v1/risk", {"Host": "rebind.example:%d" % d.admin_port})
    st6, _, _ = d.http("POST", "/v1/flush-all", {"Host": "rebind.example"})
    st7, _, _ = d.http("GET", "/v1/risk", {"Host": "[::1]:%d" % d.admin_port})
    st8, _, _ = d.http("GET", "/v1/risk", {"Host": "localhost"})
    ok(st5 == 403 and st6 == 403 and st7 == 200 and st8 == 200,
       "a Host that names no address (DNS rebinding) gets 403; address literals and localhost "
       "are served", (st5, st6, st7, st8))
    st4, _, _ = d.http("GET", "/v1/nothing")
    ok(st == 405 and hdr.get("Allow") == "GET, HEAD" and st2 == 403 and st3 in (405, 501)
       and st4 == 404 and ld.samples(d.metrics_text())["mxvet_cache_flushed_total"]
       == m1["mxvet_cache_flushed_total"],
       "POST to a read endpoint 405, a POST from a web page 403, other methods refused, "
       "unknown paths 404", (st, hdr.get("Allow"), st2, st3, st4))

    # metrics and risk still work; usage errors; an unreachable daemon
    rc, out, _ = ctl(d, "metrics")
    rc2, out2, _ = ctl(d, "risk")
    ok(rc == 0 and "mxvet_checks_started_total" in out and rc2 == 0 and "nullmx.test" in out2,
       "ctl metrics and ctl risk", (rc, rc2, out2[:300]))
    bad = [("check",), ("check", "--fresh"), ("flush",), ("flush", "a.test", "b.test"),
           ("metrics", "--fresh"), ("flush", "--all", "a.test"), ("risk", "--all"),
           ("check", "--all", "a.test"), ("frobnicate",)]
    codes = [ctl(d, *a)[0] for a in bad]
    ok(codes == [64] * len(bad), "usage errors exit 64", list(zip(bad, codes)))
    conf2 = d.conf + ".closed"
    with open(d.conf) as f, open(conf2, "w") as g:
        port = pf.free_port()
        g.write(f.read().replace("admin_listen = inet:127.0.0.1:%d" % d.admin_port,
                                 "admin_listen = inet:127.0.0.1:%d" % port))
    p = subprocess.run([MXVET, "ctl", "--config", conf2, "metrics"], capture_output=True,
                       text=True, timeout=60)
    ok(p.returncode == 69 and "cannot reach mxvetd" in p.stderr,
       "no daemon at admin_listen: exit 69", (p.returncode, p.stderr))


def over_unix(d, sock):
    st = os.stat(sock)
    ok(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660,
       "admin_listen unix socket made with unix_socket_mode 0660", oct(st.st_mode))
    rc, out, err = ctl(d, "metrics")
    ok(rc == 0 and "mxvet_checks_started_total" in out, "ctl metrics over the unix socket",
       (rc, err))
    rc, out, err = ctl(d, "check", "nullmx.test")
    a = json.loads(out) if rc == 0 else {}
    rc2, out2, _ = ctl(d, "check", "--fresh", "nullmx.test")
    b = json.loads(out2) if rc2 == 0 else {}
    ok(a.get("verdict") == "reject" and b.get("cached") is False,
       "ctl check and check --fresh over the unix socket", (rc, err, a.get("verdict"), b.get("cached")))
    rc, out, err = ctl(d, "flush", "--all")
    ok(rc == 0 and json.loads(out).get("flushed") == 1, "ctl flush --all over the unix socket",
       (rc, out, err))
    st, hdr, _ = d.http("GET", "/v1/flush-all")
    ok(st == 405 and hdr.get("Allow") == "POST", "GET to a POST endpoint over the unix socket: 405",
       (st, hdr))
    if os.geteuid() != 0:
        tap.skip("a user outside the socket's mode is refused", "not root: cannot switch user")
        return
    # uid 4242 is neither the socket's owner (nobody) nor in its group
    rc, out, err = ctl(d, "metrics", user=4242)
    ok(rc == 69 and "Permission denied" in err,
       "a user the socket's mode leaves out cannot connect: exit 69", (rc, err))


if __name__ == "__main__":
    main()
