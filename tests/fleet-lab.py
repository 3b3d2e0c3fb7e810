#!/usr/bin/env python3
"""fleet-lab: mxvetd hosts sharing one private redis-server (started here,
loopback only) on the loopback lab (tests/lab, via tests/lab-env.sh).
1. A verdict computed by host A is served by host C, whose DNS goes
   nowhere (the lab is "off" for it): C starts no check, sends no DNS
   query and no probe (its /metrics), for an accept, a reject and an
   annotate verdict alike.
2. One never-seen domain asked of A and B at the same moment is checked
   once across both (the lock in Redis).
3. Two never-seen domains with a common MX host, one asked of A and one
   of B at once: each address is probed once for both hosts (every probe
   leaves its result in Redis; the SMTP connections of A and B together
   equal the results there), and one host took the other's result.
4. The keys: prefixed, with the local TTLs; the history of a failing
   domain is in Redis for the other hosts, and `mxvet report` on C lists
   it.
5. The evidence: host A checks a lab domain with findings through its
   admin API; host C (DNS off) answers /v1/check/DOMAIN with A's report
   (the same findings, reproduce commands, MX and name server evidence),
   marked "from_fleet"; C's status page for a risk domain it answered
   from the fleet shows A's report too. TAP output."""
import json, os, shutil, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import fleet_fixture as ff  # noqa: E402

top = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.environ.get("top_builddir", top)
lab = os.environ.get("MXVET_LAB", "/tmp/mxvet-lab")
tap = pf.Tap()
ok = tap.ok
procs = []


def lab_conf(conf, *kv):
    env = dict(os.environ, top_srcdir=top, top_builddir=build, MXVET_LAB=lab)
    r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && lab_conf "$@"',
                        "lab", conf] + list(kv), env=env, capture_output=True, text=True)
    if r.returncode != 0:
        print("Bail out! cannot start the lab: " + r.stderr.strip()[-500:])
        sys.exit(1)


class Host:
    def __init__(self, work, name, redis_url, *extra):
        self.dir = os.path.join(work, name)
        os.makedirs(os.path.join(self.dir, "state"))
        os.chmod(self.dir, 0o777)
        os.chmod(os.path.join(self.dir, "state"), 0o777)
        self.port, self.admin = pf.free_port(), pf.free_port()
        self.conf = os.path.join(self.dir, "mxvet.conf")
        lab_conf(self.conf, "policy_listen=inet:127.0.0.1:%d" % self.port,
                 "admin_listen=inet:127.0.0.1:%d" % self.admin, "decision_timeout=8s",
                 "state_dir=" + os.path.join(self.dir, "state"), "user=nobody", "pid_file=",
                 "risk_log=", "redis_url=" + redis_url, "log_level=debug", *extra)
        self.log = os.path.join(self.dir, "mxvetd.log")
        self.proc = subprocess.Popen([os.path.join(build, "mxvetd"), "-f", "-l", "stderr", "-c", self.conf],
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        procs.append(self.proc)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        for _ in range(100):    # connected to Redis
            if self.m().get("mxvet_redis_up") == 1:
                break
            time.sleep(0.05)

    def m(self):
        return pf.metrics(self.admin)

    def api(self, method, path):
        import urllib.request
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.admin, path), method=method,
                                     data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read().decode())

    def page(self, path):
        """A status page as text (tags dropped, entities decoded)."""
        import html, re, urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.admin, path), timeout=30) as r:
            return html.unescape(re.sub(r"<[^>]+>", "", r.read().decode()))

    def ask(self, domain, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), 5)
        s.sendall(pf.request("user@" + domain))
        a = pf.read_answers(s, 1, timeout)
        s.close()
        return a[0] if a else None


def wait_for(cond, secs=10):
    return ff.wait_for(cond, secs)


T0 = time.time()


def note(s):
    print("# %.1fs %s" % (time.time() - T0, s))
    sys.stdout.flush()


def main():
    if not ff.available():
        pf.skip_or_fail("redis-server or redis-cli not installed")
    work = tempfile.mkdtemp(prefix="mxvet-fleet-lab-")
    os.chmod(work, 0o777)
    redis = ff.Redis(work, password="fleet-secret")
    hosts = []
    try:
        A = Host(work, "a", redis.url())
        B = Host(work, "b", redis.url())
        hosts += [A, B]
        note("A and B up")
        ok(A.m().get("mxvet_redis_up") == 1 and B.m().get("mxvet_redis_up") == 1,
           "A and B are connected to Redis (AUTH)")
        g = ff.guard_redis(A.admin)
        ok("connected" in g and "0 outages" in g, "A's status page: the fleet guard says connected", g)

        # 1. A computes, C (no working DNS) serves
        want = {}
        for d in ("healthy.test", "nullmx.test", "mxcname.test"):
            want[d] = A.ask(d)
        wait_for(lambda: A.m().get("mxvet_fleet_verdict_writes_total", 0) >= 3)
        ok(want["healthy.test"] == "action=DUNNO" and want["nullmx.test"].startswith("action=556")
           and "MX_CNAME" in (want["mxcname.test"] or ""), "A's own verdicts", want)
        dead = os.path.join(work, "dead-unbound.conf")
        with open(dead, "w") as f:
            f.write('server:\n  do-not-query-localhost: no\n  local-zone: "test." nodefault\n'
                    '  outgoing-interface: 127.0.0.1\nforward-zone:\n  name: "."\n'
                    '  forward-addr: 127.0.0.9@53\n')
        note("A answered")
        C = Host(work, "c", redis.url(), "unbound_config=" + dead)
        note("C up")
        hosts.append(C)
        got = {d: C.ask(d, 3) for d in want}
        mc = C.m()
        ok(got == want, "C (DNS off) answers A's verdicts", (got, want))
        ok(mc.get("mxvet_checks_started_total") == 0 and mc.get("mxvet_smtp_connects_total", 0) == 0,
           "C started no check (no DNS query) and opened no SMTP connection",
           {k: v for k, v in mc.items() if "checks" in k or "smtp_connects" in k})
        ok(mc.get("mxvet_fleet_verdict_hits_total") == 3, "C: 3 verdicts from the fleet",
           mc.get("mxvet_fleet_verdict_hits_total"))
        # C answers the next requests from its own cache: hot domains never touch Redis
        cmds = mc.get("mxvet_redis_commands_total")
        for d in want:
            C.ask(d, 3)
        ok(cmds and C.m().get("mxvet_redis_commands_total") == cmds,
           "C's cached domains cost no Redis command", (cmds, C.m().get("mxvet_redis_commands_total")))

        # 5. A's evidence served by C
        ev_dom = "apexcname-all.test"
        rep_a = A.api("POST", "/v1/check/" + ev_dom)
        wait_for(lambda: A.m().get("mxvet_fleet_report_writes_total", 0) >= 1)
        rep_c = C.api("GET", "/v1/check/" + ev_dom)
        same = ("verdict", "reply", "findings", "mx", "nameservers")
        ok(rep_a.get("findings") and any(f.get("reproduce") for f in rep_a["findings"]),
           "A's report of %s has findings with reproduce commands" % ev_dom, rep_a)
        ok(all(rep_c.get(k) == rep_a.get(k) for k in same),
           "C (DNS off) answers /v1/check/%s with A's findings, commands and evidence" % ev_dom,
           {k: (rep_a.get(k), rep_c.get(k)) for k in same if rep_a.get(k) != rep_c.get(k)})
        ok(rep_c.get("from_fleet") is True and "from_fleet" not in rep_a,
           "C's report says it came from the fleet; A's does not",
           (rep_a.get("from_fleet"), rep_c.get("from_fleet")))
        ok(C.m().get("mxvet_checks_started_total") == 0, "C still started no check")
        # the admin's command line on C says the same (mxvet ctl over C's
        # admin_listen), now from C's cache and the report kept in Redis
        r = subprocess.run([os.path.join(build, "mxvet"), "ctl", "--config", C.conf, "check", ev_dom],
                           capture_output=True, text=True, timeout=30)
        try:
            rep_ctl = json.loads(r.stdout)
        except ValueError:
            rep_ctl = {}
        ok(r.returncode == 0 and rep_ctl.get("from_fleet") is True and rep_ctl.get("cached") is True
           and all(rep_ctl.get(k) == rep_a.get(k) for k in same),
           "mxvet ctl check %s on C (now cached) prints A's whole report, cached, from_fleet" % ev_dom,
           (r.returncode, r.stdout[-400:], r.stderr[-300:]))

        # C's status page for nullmx.test (a verdict C took from the fleet for a
        # policy request, without evidence): A's report, read when asked
        raw = redis.cli("--raw", "GET", "mxv1:e:nullmx.test").strip()
        stored = json.loads(raw) if raw.startswith("{") else {}
        cmds = [f["reproduce"] for f in stored.get("findings", []) if f.get("reproduce")]
        page = C.page("/domain/nullmx.test")
        ok(cmds and all(c in page for c in cmds) and '"from_fleet": true' in page,
           "C's status page for nullmx.test shows A's findings and commands, from the fleet",
           (cmds, page[-600:]))

        note("part 1 done")
        # 2. one never-seen domain asked of A and B at once: one check
        before = A.m()["mxvet_checks_started_total"] + B.m()["mxvet_checks_started_total"]
        res = {}
        def ask(h, k):
            res[k] = h.ask("healthy3.test")
        ts = [threading.Thread(target=ask, args=(A, "a")), threading.Thread(target=ask, args=(B, "b"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        after = A.m()["mxvet_checks_started_total"] + B.m()["mxvet_checks_started_total"]
        ok(res == {"a": "action=DUNNO", "b": "action=DUNNO"}, "both answered healthy3.test", res)
        ok(after - before == 1, "healthy3.test asked of both at once: checked once", (before, after))
        waits = A.m().get("mxvet_fleet_lock_wait_hits_total", 0) + B.m().get("mxvet_fleet_lock_wait_hits_total", 0)
        ok(waits == 1, "the other host waited for the lock holder's verdict", waits)

        note("part 2 done")
        # 3. probes: healthy4 and healthy6 share mx.provider.test
        keys_before = set(redis.cli("--raw", "KEYS", "mxv1:p:*").split())
        conn_before = A.m().get("mxvet_smtp_connects_total", 0) + B.m().get("mxvet_smtp_connects_total", 0)
        hits_before = A.m().get("mxvet_fleet_probe_hits_total", 0) + B.m().get("mxvet_fleet_probe_hits_total", 0)
        res = {}
        ts = [threading.Thread(target=lambda: res.__setitem__("a", A.ask("healthy4.test"))),
              threading.Thread(target=lambda: res.__setitem__("b", B.ask("healthy6.test")))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        keys_after = set(redis.cli("--raw", "KEYS", "mxv1:p:*").split())
        conn_after = A.m().get("mxvet_smtp_connects_total", 0) + B.m().get("mxvet_smtp_connects_total", 0)
        hits_after = A.m().get("mxvet_fleet_probe_hits_total", 0) + B.m().get("mxvet_fleet_probe_hits_total", 0)
        new = keys_after - keys_before
        ok(res == {"a": "action=DUNNO", "b": "action=DUNNO"}, "healthy4 on A, healthy6 on B", res)
        ok(len(new) > 0 and conn_after - conn_before == len(new),
           "one SMTP probe per address across A and B", (conn_before, conn_after, sorted(new)))
        ok(hits_after - hits_before >= 1, "a host took the other's probe result of the shared MX",
           (hits_before, hits_after))

        note("part 3 done")
        # 4. keys and TTLs
        ttl = int(redis.cli("TTL", "mxv1:v:healthy.test").strip() or -2)
        ok(0 < ttl <= 86400, "verdict key prefixed, with the cache TTL", ttl)
        pttl = [int(redis.cli("TTL", k).strip() or -2) for k in sorted(new)]
        ok(pttl and all(0 < t <= 3600 for t in pttl), "probe keys with smtp_probe_ttl", pttl)
        ok(redis.cli("EXISTS", "mxv1:h:nullmx.test").strip() == "1",
           "the history of a failing domain is shared")
        r = subprocess.run([os.path.join(build, "mxvet"), "report", "--json", "--config", C.conf],
                           capture_output=True, text=True, timeout=30)
        rows = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        ok(r.returncode == 0 and any(x["domain"] == "nullmx.test" and x["verdict"] == "reject" for x in rows),
           "mxvet report on C lists A's reject (the fleet's history)", (r.returncode, r.stdout[-300:], r.stderr[-300:]))
        ok(redis.cli("--raw", "KEYS", "mxv1:l:*").strip() == "", "no lock left behind",
           redis.cli("--raw", "KEYS", "mxv1:l:*"))
    finally:
        note("stopping")
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    t = time.time()
                    p.wait(10)
                    note("pid %d stopped in %.2fs rc=%s" % (p.pid, time.time() - t, p.returncode))
                except subprocess.TimeoutExpired:
                    note("pid %d did not stop on SIGTERM" % p.pid)
                    p.kill()
        redis.stop()
    if not tap.plan():
        for h in hosts:
            print("# --- %s" % h.log)
            for line in open(h.log).read().splitlines()[-30:]:
                print("# " + line)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


main()
