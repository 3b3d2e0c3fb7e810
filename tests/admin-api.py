#!/usr/bin/env python3
"""admin-api: mxvetd's admin API and its bounds, over real sockets (TAP),
against tests/policy_fixture.py's loopback DNS (zone pt.test; slowok*
names answer their MX after 0.6 s).
  - /v1/check/DOMAIN goes through the decider: two concurrent calls for an
    uncached domain start one check (from /metrics), a later call is
    served from the cache, a POST starts a new one, and a policy request
    joins a check the admin API started;
  - at most admin_max_connections (5 here) admin connections are open:
    the next client waits until one closes, policy requests go on
    meanwhile; an idle one is closed after admin_idle_timeout (2 s here);
  - SIGUSR1 reopens risk_log after it was moved away (logrotate);
  - the history metrics are exported, and the daemon's pruning timer keeps
    the history at history_max_entries (100 here) under 150 new domains."""
import json, os, re, shutil, signal, socket, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402  (may re-exec under /usr/bin/python3)

tap = pf.Tap()
ok = tap.ok
MAX_CONNS = 5           # admin_max_connections below
IDLE_S = 2              # admin_idle_timeout below


def get(d, path, timeout=10):
    return urllib.request.urlopen("http://127.0.0.1:%d%s" % (d.admin_port, path),
                                  timeout=timeout).read().decode()


def metrics(d):
    return pf.metrics(d.admin_port)


def concurrent_checks(d, paths):
    out = [None] * len(paths)

    def one(i):
        try:
            out[i] = json.loads(get(d, paths[i]))
        except Exception as e:   # reported by the assertion below
            out[i] = repr(e)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(paths))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(15)
    return out


def main():
    work = tempfile.mkdtemp(prefix="mxvet-admin-")
    d = pf.Daemon(work, extra={"history_max_entries": "100",
                               "admin_max_connections": str(MAX_CONNS),
                               "admin_idle_timeout": "%ds" % IDLE_S})
    try:
        run(d, work)
    finally:
        rc = d.stop()
    ok(rc == 0, "SIGTERM: exit status 0", rc)
    log = open(d.log).read()
    ok("error:" not in log and "runtime error" not in log and "Sanitizer" not in log,
       "daemon log has no errors or sanitizer reports", log[-3000:])
    if tap.plan():
        shutil.rmtree(work, ignore_errors=True)


def run(d, work):
    # two concurrent /v1/check calls for one uncached domain: one check
    m0 = metrics(d)
    a, b = concurrent_checks(d, ["/v1/check/slowokadmin.pt.test"] * 2)
    m1 = metrics(d)
    started = m1["mxvet_checks_started_total"] - m0["mxvet_checks_started_total"]
    ok(isinstance(a, dict) and isinstance(b, dict) and a.get("verdict") == "accept"
       and b.get("verdict") == "accept" and a.get("cached") is False and "mx" in a,
       "two concurrent /v1/check calls: both answered by the check, full detail", (a, b))
    ok(started == 1 and d.dns.count("slowokadmin.pt.test") == 1,
       "two concurrent /v1/check calls for an uncached domain start one check",
       (started, d.dns.count("slowokadmin.pt.test")))

    # a second call: the cache answers, no check, counted as a cache hit
    c = json.loads(get(d, "/v1/check/SlowOkAdmin.PT.test."))
    m2 = metrics(d)
    ok(c.get("cached") is True and c.get("verdict") == "accept"
       and c.get("domain") == "slowokadmin.pt.test"
       and m2["mxvet_checks_started_total"] == m1["mxvet_checks_started_total"]
       and m2["mxvet_cache_hits_total"] == m1["mxvet_cache_hits_total"] + 1,
       "a later /v1/check is served from the cache (a cache hit, no check)", (c, m1, m2))

    # a POST checks again although the verdict is cached
    f = json.loads(urllib.request.urlopen(urllib.request.Request(
        "http://127.0.0.1:%d/v1/check/slowokadmin.pt.test" % d.admin_port, data=b"",
        method="POST"), timeout=10).read().decode())
    m3 = metrics(d)
    ok(f.get("cached") is False and f.get("verdict") == "accept"
       and m3["mxvet_checks_started_total"] == m2["mxvet_checks_started_total"] + 1,
       "POST /v1/check: a new check, whatever the cache holds", (f, m2, m3))

    # a policy request joins the check an admin call started (single flight)
    res = {}
    t = threading.Thread(target=lambda: res.setdefault(
        "api", json.loads(get(d, "/v1/check/slowokjoin.pt.test"))))
    t.start()
    time.sleep(0.2)
    s = socket.create_connection(("127.0.0.1", d.port), 5)
    s.sendall(pf.request("u@slowokjoin.pt.test"))
    pol = pf.read_answers(s, 1)
    s.close()
    t.join(15)
    m4 = metrics(d)
    ok(res.get("api", {}).get("verdict") == "accept" and pol == ["action=DUNNO"]
       and m4["mxvet_checks_started_total"] == m3["mxvet_checks_started_total"] + 1
       and d.dns.count("slowokjoin.pt.test") == 1,
       "a policy request joins the check of an admin call: one check", (res, pol, m3, m4))

    # the connection cap: MAX_CONNS idle clients, the next one waits
    idle = []
    for _ in range(MAX_CONNS):
        idle.append(socket.create_connection(("127.0.0.1", d.admin_port), 5))
    time.sleep(0.3)
    late = {}

    def late_get():
        t0 = time.time()
        try:
            late["body"] = get(d, "/metrics", timeout=8)
        except Exception as e:
            late["err"] = repr(e)
        late["t"] = time.time() - t0
    t = threading.Thread(target=late_get)
    t.start()
    time.sleep(1.0)
    waiting = t.is_alive()
    policy_ok = len(pf_ask(d, "u@nullmx.pt.test")) == 1
    for s in idle:
        s.close()
    t.join(10)
    mm = {}
    for line in late.get("body", "").splitlines():
        x = re.match(r"^([a-z_]+) (\d+)$", line)
        if x:
            mm[x.group(1)] = int(x.group(2))
    ok(waiting and policy_ok and "body" in late and mm.get("mxvet_admin_connections_capped_total", 0) >= 1,
       "%d admin connections open: the next client waits until one closes, policy served meanwhile"
       % MAX_CONNS, (waiting, policy_ok, late.get("err"), late.get("t"), mm))
    m5 = metrics(d)
    ok(m5.get("mxvet_admin_connections_open", 99) <= 2,
       "closed admin connections are counted out", m5.get("mxvet_admin_connections_open"))

    # admin_idle_timeout: a client that sends nothing is closed
    s = socket.create_connection(("127.0.0.1", d.admin_port), 5)
    s.settimeout(IDLE_S + 4)
    t0 = time.time()
    try:
        eof = s.recv(1) == b""
    except OSError:
        eof = False
    took = time.time() - t0
    s.close()
    ok(eof and IDLE_S - 0.5 <= took <= IDLE_S + 3,
       "an idle admin connection is closed after admin_idle_timeout (%d s): %.1f s" % (IDLE_S, took),
       (eof, took))

    # SIGUSR1 reopens risk_log after a rotation
    pf_ask(d, "u@nx1.pt.test")
    os.rename(d.risk, d.risk + ".1")
    d.proc.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    pf_ask(d, "u@nx2.pt.test")
    new = [json.loads(x)["domain"] for x in open(d.risk)] if os.path.exists(d.risk) else []
    old = [json.loads(x)["domain"] for x in open(d.risk + ".1")]
    ok(new == ["nx2.pt.test"] and "nx1.pt.test" in old and "nx2.pt.test" not in old,
       "SIGUSR1: risk_log reopened, new lines in the new file", (new, old))

    # the history metrics
    m6 = metrics(d)
    ok(m6.get("mxvet_history_entries", 0) >= 2 and m6.get("mxvet_history_full") == 0
       and "mxvet_history_pruned_total" in m6,
       "/metrics: history entries, full flag and pruning counters",
       {k: v for k, v in m6.items() if k.startswith("mxvet_history")})

    # 150 nonexistent domains (each recorded) with history_max_entries = 100
    s = socket.create_connection(("127.0.0.1", d.port), 5)
    s.sendall(b"".join(pf.request("u@nxh%d.pt.test" % i) for i in range(150)))
    answers = pf.read_answers(s, 150, timeout=30)
    s.close()
    deadline = time.time() + 5
    while True:
        m7 = metrics(d)
        if m7.get("mxvet_history_entries", 999) <= 100 or time.time() > deadline:
            break
        time.sleep(0.2)
    ok(len(answers) == 150 and m7.get("mxvet_history_entries", 999) <= 100
       and m7.get("mxvet_history_pruned_total", 0) >= 50,
       "history_max_entries = 100: the pruning timer keeps the history bounded",
       (len(answers), {k: v for k, v in m7.items() if k.startswith("mxvet_history")}))


def _send(d, rcpt):
    s = socket.create_connection(("127.0.0.1", d.port), 5)
    s.sendall(pf.request(rcpt))
    return s


def pf_ask(d, rcpt):
    s = _send(d, rcpt)
    a = pf.read_answers(s, 1)
    s.close()
    return a


if __name__ == "__main__":
    main()
