#!/usr/bin/env python3
"""fleet-faults: two mxvetd hosts sharing a private redis-server (started
here) under a steady load of cached and never-seen domains, while Redis is
killed (SIGKILL), started again, frozen (SIGSTOP, then SIGCONT) and
emptied (FLUSHALL). Every request must be answered, within
decision_timeout, with the fixture's verdict or the fail-open DUNNO (never
another 4xx/5xx); both hosts reconnect; one warning per outage. Uses the
DNS fixture of tests/policy_fixture.py (loopback only). TAP output."""
import os, shutil, signal, socket, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import fleet_fixture as ff  # noqa: E402

tap = pf.Tap()
ok = tap.ok
DECISION = 2.0


class Load:
    """Clients on both hosts, one request at a time per connection, until
    stopped: ok* names (cached and fresh: accept), nullmx (reject 556),
    nx* (NXDOMAIN: reject 550). Records every failure and the slowest."""

    def __init__(self, hosts, nullmx_answer):
        self.hosts = hosts
        self.nullmx = nullmx_answer
        self.stop = False
        self.n = 0
        self.bad = []
        self.slowest = 0.0
        self.lock = threading.Lock()
        self.seq = 0
        self.threads = [threading.Thread(target=self.run, args=(h, i)) for h in hosts for i in range(2)]

    def domain(self, k):
        with self.lock:
            self.seq += 1
            s = self.seq
        if k % 4 == 0:
            return "ok%d.pt.test" % (s % 20), "accept"          # soon cached
        if k % 4 == 1:
            return "ok-fresh%d-%d.pt.test" % (s, os.getpid()), "accept"
        if k % 4 == 2:
            return "nx%d.pt.test" % s, "nx"
        return "nullmx.pt.test", "nullmx"

    def valid(self, kind, d, a):
        if a == "action=DUNNO":
            return True      # the verdict of accept, or fail-open
        if kind == "nullmx":
            return a == self.nullmx
        if kind == "nx":
            return a.startswith("action=550 5.1.2 ") and d in a
        return False

    def run(self, h, i):
        k = i
        s = socket.create_connection(("127.0.0.1", h.port), 5)
        while not self.stop:
            d, kind = self.domain(k)
            k += 1
            t0 = time.time()
            try:
                s.sendall(pf.request("u@" + d))
                a = pf.read_answers(s, 1, DECISION + 3)
            except OSError as e:
                a = ["error %s" % e]
                s = socket.create_connection(("127.0.0.1", h.port), 5)
            el = time.time() - t0
            with self.lock:
                self.n += 1
                self.slowest = max(self.slowest, el)
                if not a or not self.valid(kind, d, a[0]) or el > DECISION + 0.5:
                    self.bad.append((d, a, round(el, 3)))
        s.close()

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop = True
        for t in self.threads:
            t.join(15)


wait_for = ff.wait_for


def main():
    if not ff.available():
        pf.skip_or_fail("redis-server or redis-cli not installed")
    work = tempfile.mkdtemp(prefix="mxvet-fleet-faults-")
    os.chmod(work, 0o777)
    redis = ff.Redis(work)
    A, B = ff.pair(work, redis, {"redis_timeout": "200", "decision_timeout": "2s", "log_level": "debug"},
                   {"unbound_config": os.path.join(work, "a", "unbound.conf")})
    load = None
    try:
        ok(ff.connected(A, B), "both hosts connected")
        s = socket.create_connection(("127.0.0.1", A.port), 5)
        s.sendall(pf.request("u@nullmx.pt.test"))
        nullmx = pf.read_answers(s, 1)[0]
        s.close()
        ok(nullmx.startswith("action=556 "), "nullmx.pt.test: reject 556", nullmx)

        load = Load([A, B], nullmx)
        load.start()
        time.sleep(2)
        n0 = load.n
        redis.kill()                                   # SIGKILL mid-load
        time.sleep(3)
        ok(wait_for(lambda: pf.metrics(A.admin_port).get("mxvet_redis_up") == 0, 2),
           "Redis killed: A sees it down")
        redis.start()                                  # restarted, same port
        ok(wait_for(lambda: pf.metrics(A.admin_port).get("mxvet_redis_up") == 1 and
                    pf.metrics(B.admin_port).get("mxvet_redis_up") == 1, 15),
           "Redis restarted: both hosts reconnected")
        time.sleep(1)
        redis.proc.send_signal(signal.SIGSTOP)         # frozen
        time.sleep(3)
        ok(wait_for(lambda: pf.metrics(A.admin_port).get("mxvet_redis_up") == 0, 2),
           "Redis frozen: A stops using it (redis_timeout)")
        g = ff.guard_redis(A.admin_port)
        ok(g.startswith("down") and "ago" in g, "Redis frozen: A's status page says down, with the "
           "age of the last error", g)
        redis.proc.send_signal(signal.SIGCONT)
        ok(wait_for(lambda: pf.metrics(A.admin_port).get("mxvet_redis_up") == 1 and
                    pf.metrics(B.admin_port).get("mxvet_redis_up") == 1, 15),
           "Redis thawed: both hosts reconnected")
        time.sleep(1)
        redis.cli("FLUSHALL")                          # emptied mid-run
        time.sleep(2)
        load.finish()
        ok(load.n - n0 > 200, "load ran through the faults", load.n)
        ok(not load.bad, "%d requests: every one answered within decision_timeout with the "
           "fixture's verdict or DUNNO (slowest %.3fs)" % (load.n, load.slowest), load.bad[:10])
        ma, mb = pf.metrics(A.admin_port), pf.metrics(B.admin_port)
        ok(ma.get("mxvet_redis_connects_total", 0) >= 3 and mb.get("mxvet_redis_connects_total", 0) >= 3,
           "reconnects counted", (ma.get("mxvet_redis_connects_total"), mb.get("mxvet_redis_connects_total")))
        ok(ma.get("mxvet_fleet_verdict_hits_total", 0) > 0 and ma.get("mxvet_fleet_fallbacks_total", 0) > 0,
           "A used the fleet, and its local tiers while Redis was out",
           (ma.get("mxvet_fleet_verdict_hits_total"), ma.get("mxvet_fleet_fallbacks_total")))
        for name, d, m in (("A", A, ma), ("B", B, mb)):
            warns = [l for l in open(d.log) if "redis:" in l and "unavailable (" in l and "still" not in l]
            ok(len(warns) == m.get("mxvet_redis_outages_total") and len(warns) >= 2,
               "%s: one warning per outage (%d)" % (name, len(warns)), warns)
        ok(redis.cli("--raw", "KEYS", "mxv1:v:*").strip() != "", "verdicts stored again after FLUSHALL")
    finally:
        if load:
            load.finish()
        ra, rb = A.stop(), B.stop()
        redis.stop()
    ok(ra == 0 and rb == 0, "both hosts stop cleanly", (ra, rb))
    if not tap.plan():
        for d in (A, B):
            print("# --- " + d.log)
            for line in open(d.log).read().splitlines()[-40:]:
                print("# " + line)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


main()
