#!/usr/bin/env python3
"""policy-protocol: mxvetd's policy service over real sockets (TAP).
Runs its own mxvetd against tests/policy_fixture.py's loopback DNS (zone
pt.test) and asserts the exact answers: verdicts, order of pipelined
answers, split writes, hostile clients, 1,000 connections, single flight,
decision_timeout then the cached verdict, reload, risk_log, drain."""
import json, os, resource, shutil, urllib.error, urllib.request, signal, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402  (may re-exec under /usr/bin/python3)

NULLMX = "action=556 5.1.10 recipient domain nullmx.pt.test publishes a null MX (RFC 7505) [NULL_MX]"
NX = "action=550 5.1.2 recipient domain nx.pt.test does not exist (NXDOMAIN) [DOMAIN_NXDOMAIN]"
IMPLICIT = "action=PREPEND X-Mxvet: annotate; domain=implicit.pt.test; findings=NO_MX_IMPLICIT"
DUNNO = "action=DUNNO"


def timeout_reply(d):
    return ("action=450 4.4.3 recipient domain %s cannot be resolved now (DNS timeout) "
            "[DNS_TIMEOUT]" % d)


tap = pf.Tap()
ok = tap.ok


def conn(d):
    return socket.create_connection(("127.0.0.1", d.port), 5)


def ask(d, *rcpts, **kw):
    s = conn(d)
    s.sendall(b"".join(pf.request(r, **kw) for r in rcpts))
    a = pf.read_answers(s, len(rcpts))
    s.close()
    return a


def alive(d):
    return ask(d, "u@nullmx.pt.test") == [NULLMX]


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="mxvet-policy-")
    d = pf.Daemon(work)
    try:
        run(d, work)
    finally:
        rc = d.stop()
    ok(rc == 0, "SIGTERM: exit status 0", rc)
    log = open(d.log).read()
    ok("error:" not in log and "runtime error" not in log and "Sanitizer" not in log,
       "daemon log has no errors or sanitizer reports", log[-3000:])
    if tap.plan():
        shutil.rmtree(work, ignore_errors=True)   # kept for a look when a test failed


def run(d, work):
    # verdicts, one per request, exact texts
    ok(ask(d, "u@nullmx.pt.test") == [NULLMX], "null MX: reject 556 with the engine's text")
    ok(ask(d, "u@nx.pt.test") == [NX], "NXDOMAIN: reject 550 5.1.2")
    ok(ask(d, "u@implicit.pt.test") == [IMPLICIT], "implicit MX: PREPEND X-Mxvet annotate")
    ok(ask(d, "u@ok.pt.test") == [DUNNO], "healthy domain: DUNNO")
    ok(ask(d, "User@NullMX.PT.Test.") == [NULLMX], "recipient domain normalized (case, dot)")
    ok(ask(d, "u@B\u00fccher.pt.test") == ["action=550 5.1.2 recipient domain xn--bcher-kva.pt.test "
                                          "does not exist (NXDOMAIN) [DOMAIN_NXDOMAIN]"],
       "UTF-8 recipient domain: checked and named as its A-label")
    ok(ask(d, "u@nullmx.pt.test", state="MAIL") == [DUNNO], "protocol_state=MAIL: DUNNO")
    ok(ask(d, "u@nullmx.pt.test", request="junk") == [DUNNO], "other request type: DUNNO")
    ok(ask(d, "", "postmaster", "u@[192.0.2.1]", "u@skipped.pt.test", "u@a.skipped.pt.test",
           "u@bad..pt.test") == [DUNNO] * 6,
       "<>, no @, address literal, skip_domains (and below), invalid domain: DUNNO")
    s = conn(d)
    s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n\n")
    ok(pf.read_answers(s, 1) == [DUNNO], "request without recipient: DUNNO")
    s.close()

    # pipelining: many requests in one write, answers in request order,
    # a cached answer does not overtake a pending one on the connection
    reqs = ["u@slowa.pt.test", "u@nullmx.pt.test", "u@nx.pt.test", "u@ok.pt.test",
            "u@implicit.pt.test"]
    t0 = time.time()
    a = ask(d, *reqs)
    el = time.time() - t0
    ok(a == [DUNNO, NULLMX, NX, DUNNO, IMPLICIT], "pipelined requests in one write: in order", a)
    ok(0.8 <= el < 2.0, "pending first request held the cached ones back ~decision_timeout", el)

    # more pipelined requests than POLICY_MAX_PENDING (64) awaiting checks:
    # the connection pauses, resumes as answers come, order kept
    reqs = ["u@slowok%d.pt.test" % (100 + i) for i in range(100)]
    reqs[70] = reqs[99] = "u@nullmx.pt.test"
    want = [DUNNO] * 100
    want[70] = want[99] = NULLMX
    a = ask(d, *reqs)
    ok(a == want, "100 pipelined uncached requests (over the pending limit): all, in order", a)

    # one byte per write
    s = conn(d)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = pf.request("u@nullmx.pt.test") + pf.request("u@nx.pt.test")
    for i in range(len(data)):
        s.sendall(data[i:i + 1])
        if i % 50 == 0:
            time.sleep(0.001)
    ok(pf.read_answers(s, 2) == [NULLMX, NX], "requests split byte by byte")
    s.close()

    # hostile input: each closes its connection without an answer; the
    # daemon serves the next client
    hostile = [
        ("oversized line", b"request=smtpd_access_policy\nrecipient=" + b"x" * 5000 + b"\n\n"),
        ("unterminated oversized line", b"recipient=" + b"y" * 8000),
        ("binary garbage", bytes(range(256)) * 8 + b"\n\n"),
        ("NUL byte", b"request=smtpd\x00_access_policy\n\n"),
        ("line without =", b"hello\n\n"),
        ("too many attributes", b"".join(b"a%d=1\n" % i for i in range(101)) + b"\n"),
        ("request over 16 KB", b"".join(b"attr%d=%s\n" % (i, b"v" * 200) for i in range(95))),
    ]
    for name, blob in hostile:
        s = conn(d)
        try:
            s.sendall(blob)
        except OSError:
            pass
        a = pf.read_answers(s, 1, timeout=5)
        s.close()
        ok(a == [] and alive(d), "%s: connection closed, no answer, next client served" % name, a)

    # a good request followed by garbage on the same connection: the good
    # one is answered, then the connection closes
    s = conn(d)
    s.sendall(pf.request("u@nx.pt.test") + b"\x01\x02\x03=\n\n")
    a = pf.read_answers(s, 2, timeout=5)
    ok(a == [NX], "answer before the malformed request, then closed", a)
    s.close()

    # disconnect mid-request, and with a check pending for it
    s = conn(d)
    s.sendall(pf.request("u@nullmx.pt.test")[:40])
    s.close()
    s = conn(d)
    s.sendall(pf.request("u@slowb.pt.test"))
    s.close()
    time.sleep(1.3)     # its decision_timeout fires for a gone client
    ok(alive(d), "client gone mid-request and with a pending check: daemon fine")

    # single flight: 5 clients ask for one uncached domain at once
    socks = [conn(d) for _ in range(5)]
    for s in socks:
        s.sendall(pf.request("u@slowok1.pt.test"))
    answers = [pf.read_answers(s, 1) for s in socks]
    for s in socks:
        s.close()
    ok(answers == [[DUNNO]] * 5 and d.dns.count("slowok1.pt.test") == 1,
       "single flight: 5 concurrent requests, one MX query", (answers, d.dns.count("slowok1.pt.test")))

    # decision_timeout: DUNNO within the timeout, then the cached defer
    t0 = time.time()
    a = ask(d, "u@slowc.pt.test")
    el = time.time() - t0
    ok(a == [DUNNO] and 0.9 <= el < 1.8, "silent DNS: DUNNO at decision_timeout (1s)", (a, el))
    time.sleep(3.0)     # dns_timeout (3s) ends the check, which fills the cache
    t0 = time.time()
    a = ask(d, "u@slowc.pt.test")
    ok(a == [timeout_reply("slowc.pt.test")] and time.time() - t0 < 0.5,
       "then the cached verdict: 450 4.4.3 DNS_TIMEOUT at once", a)

    # 1,000 concurrent connections, one request each, all answered
    n = 1000
    socks = []
    for i in range(n):
        socks.append(conn(d))
    for i, s in enumerate(socks):
        s.sendall(pf.request("u@nullmx.pt.test" if i % 2 else "u@nx.pt.test"))
    good = 0
    for i, s in enumerate(socks):
        if pf.read_answers(s, 1) == [NULLMX if i % 2 else NX]:
            good += 1
        s.close()
    ok(good == n, "1,000 concurrent connections: all answered exactly", good)

    # a client that never reads its answers is dropped, others unaffected
    s = conn(d)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    blob = pf.request("u@nullmx.pt.test") * 2000
    s.setblocking(False)
    sent = 0
    t0 = time.time()
    while sent < len(blob) and time.time() - t0 < 10:
        try:
            sent += s.send(blob[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
        except OSError:
            break
    ok(alive(d), "client that never reads: others still served")
    s.close()

    # the unix socket endpoint
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(d.unix)
    u.sendall(pf.request("u@nullmx.pt.test"))
    ok(pf.read_answers(u, 1) == [NULLMX], "unix:PATH listener answers")
    u.close()

    # risk_log: one line per change of a domain's verdict, not per message
    lines = [json.loads(x) for x in open(d.risk)]
    by = {}
    for x in lines:
        by.setdefault(x["domain"], []).append(x)
    ok(len(by.get("nullmx.pt.test", [])) == 1 and by["nullmx.pt.test"][0]["verdict"] == "reject"
       and by["nullmx.pt.test"][0]["findings"] == ["NULL_MX"] and "ok.pt.test" not in by,
       "risk_log: one JSON line for nullmx after many requests, none for an accept", by)

    # admin API
    base = "http://127.0.0.1:%d" % d.admin_port
    m = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    ok('mxvet_policy_answers_total{verdict="reject"}' in m and "# TYPE mxvet_cache_hits_total counter" in m
       and "\nmxvet_cache_entries " in m, "/metrics: Prometheus text with answer and cache counters", m[:400])
    risk = [json.loads(x) for x in urllib.request.urlopen(base + "/v1/risk", timeout=5).read().decode().splitlines()]
    rd = {x["domain"]: x for x in risk}
    ok(rd.get("nullmx.pt.test", {}).get("reply") == NULLMX[len("action="):]
       and rd["nullmx.pt.test"]["findings"] == ["NULL_MX"] and "ok.pt.test" not in rd
       and rd.get("implicit.pt.test", {}).get("verdict") == "annotate",
       "/v1/risk: cached non-accept verdicts as JSON lines", risk)
    c = json.loads(urllib.request.urlopen(base + "/v1/check/NullMX.PT.test.", timeout=10).read())
    ok(c.get("domain") == "nullmx.pt.test" and c.get("verdict") == "reject"
       and [f["code"] for f in c.get("findings", [])] == ["NULL_MX"],
       "/v1/check/DOMAIN: a fresh check as mxvet check --json", c)
    try:
        urllib.request.urlopen(base + "/v1/check/bad..name", timeout=5)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    ok(code == 400, "/v1/check with an invalid domain: 400", code)

    # mxvet ctl: the same over the CLI
    mxvet = os.path.join(os.path.dirname(d.mxvetd), "mxvet")
    r = subprocess.run([mxvet, "ctl", "--config", d.conf, "check", "nullmx.pt.test"],
                       capture_output=True, timeout=30)
    rm = subprocess.run([mxvet, "ctl", "--config", d.conf, "metrics"], capture_output=True,
                        timeout=30)
    ok(r.returncode == 0 and json.loads(r.stdout)["verdict"] == "reject"
       and rm.returncode == 0 and b"mxvet_cache_entries" in rm.stdout,
       "mxvet ctl check DOMAIN / metrics", (r, rm.returncode))

    # SIGHUP reload keeps the cache (no new MX query for nullmx)
    before = d.dns.count("nullmx.pt.test")
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    ok(alive(d) and d.dns.count("nullmx.pt.test") == before and d.proc.poll() is None,
       "SIGHUP: reloaded, cache kept")
    d.proc.send_signal(signal.SIGHUP)   # frees the config retired by the first
    time.sleep(0.3)
    ok(alive(d) and d.proc.poll() is None and "reload: configuration" in open(d.log).read(),
       "second SIGHUP: reloaded again")

    # policy_allow, changed by a reload: 127.0.0.1 refused, 127.0.0.2 served
    orig = open(d.conf).read()
    with open(d.conf, "a") as f:
        f.write("policy_allow = 127.0.0.2/32\n")
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    refused = ask(d, "u@nullmx.pt.test")
    s2 = socket.socket()
    s2.bind(("127.0.0.2", 0))
    s2.connect(("127.0.0.1", d.port))
    s2.sendall(pf.request("u@nullmx.pt.test"))
    allowed = pf.read_answers(s2, 1)
    s2.close()
    with open(d.conf, "w") as f:
        f.write(orig)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    ok(refused == [] and allowed == [NULLMX] and alive(d),
       "policy_allow (applied by reload): other TCP clients closed unanswered", (refused, allowed))

    # policy_idle_timeout (1s after a reload): an idle client is closed
    orig = open(d.conf).read()
    with open(d.conf, "a") as f:
        f.write("policy_idle_timeout = 1s\n")
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    idle = conn(d)
    idle.sendall(pf.request("u@nx.pt.test"))
    first = pf.read_answers(idle, 1)
    t0 = time.time()
    idle.settimeout(5)
    try:
        eof = idle.recv(100) == b""
    except OSError:
        eof = False
    el = time.time() - t0
    idle.close()
    with open(d.conf, "w") as f:
        f.write(orig)
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    ok(first == [NX] and eof and 0.8 <= el < 3, "policy_idle_timeout closes an idle client", (first, eof, el))

    # mxvetd -n: config check
    bad = os.path.join(work, "bad.conf")
    with open(bad, "w") as f:
        f.write("decision_timeout = forever\n")
    r1 = subprocess.run([d.mxvetd, "-n", "-c", d.conf], capture_output=True)
    r2 = subprocess.run([d.mxvetd, "-n", "-c", bad], capture_output=True)
    ok(r1.returncode == 0 and r2.returncode == 78 and b"bad.conf:1" in r2.stderr,
       "mxvetd -n: 0 for a good config, 78 with FILE:LINE for a bad one", (r1, r2))

    # a unix:PATH that is not a socket: refused, the file left alone (a
    # stale socket is replaced; anything else is a config mistake)
    notsock = os.path.join(work, "not-a-socket")
    with open(notsock, "w") as f:
        f.write("keep me\n")
    nsconf = os.path.join(work, "notsock.conf")
    with open(d.conf) as f, open(nsconf, "w") as g:
        for line in f:
            if not line.startswith(("policy_listen", "admin_listen")):
                g.write(line)
        g.write("policy_listen = unix:%s\n" % notsock)
    r = subprocess.run([d.mxvetd, "-f", "-l", "stderr", "-c", nsconf], capture_output=True, timeout=10)
    ok(r.returncode == 71 and b"not a socket" in r.stderr and open(notsock).read() == "keep me\n",
       "policy_listen unix:PATH on a regular file: exit 71, file untouched", r)

    # a user that does not exist: fatal at start-up, 78
    nouser = os.path.join(work, "nouser.conf")
    with open(d.conf) as f, open(nouser, "w") as g:
        g.write(f.read().replace("user = nobody", "user = no-such-user-mxvet"))
    if os.geteuid() == 0:
        r = subprocess.run([d.mxvetd, "-f", "-l", "stderr", "-c", nouser], capture_output=True, timeout=10)
        ok(r.returncode == 78 and b"no-such-user-mxvet does not exist" in r.stderr,
           "root with a missing user: exit 78 with a clear message", r)
        # detached (no -f): pid file, unprivileged, answers, stops on SIGTERM
        dconf = os.path.join(work, "detach.conf")
        pidf = os.path.join(work, "mxvetd.pid")
        port2 = pf.free_port()
        with open(d.conf) as f, open(dconf, "w") as g:
            for line in f:
                if line.startswith(("policy_listen", "admin_listen", "risk_log", "state_dir")):
                    continue
                g.write(line)
            g.write("policy_listen = inet:127.0.0.1:%d\npid_file = %s\nstate_dir = %s\n"
                    % (port2, pidf, os.path.join(work, "state2")))
        r = subprocess.run([d.mxvetd, "-c", dconf], capture_output=True, timeout=10)
        pid = None
        for _ in range(50):
            if os.path.exists(pidf) and open(pidf).read().strip():
                pid = int(open(pidf).read())
                break
            time.sleep(0.1)
        s2 = socket.create_connection(("127.0.0.1", port2), 5)
        s2.sendall(pf.request("u@nx.pt.test"))
        a = pf.read_answers(s2, 1)
        s2.close()
        uid = None      # read after an answer: the engine starts after the drop
        if pid:
            for line in open("/proc/%d/status" % pid):
                if line.startswith("Uid:"):
                    uid = line.split()[1:4]
        nobody = str(__import__("pwd").getpwnam("nobody").pw_uid)
        ok(r.returncode == 0 and pid and uid == [nobody] * 3 and a == [NX],
           "detached: pid file written, runs as nobody (real, effective, saved), answers",
           (r, pid, uid, a))
        if pid:
            os.kill(pid, signal.SIGTERM)
            gone = False
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    gone = True
                    break
                time.sleep(0.1)
            ok(gone and not os.path.exists(pidf), "detached: SIGTERM stops it, pid file removed")
    else:
        for name in ("root with a missing user: exit 78 with a clear message",
                     "detached: pid file written, runs as nobody (real, effective, saved), answers"):
            tap.skip(name, "needs root")

    # SIGTERM while a request waits: it is answered before the exit
    s = conn(d)
    s.sendall(pf.request("u@slowd.pt.test"))
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)
    a = pf.read_answers(s, 1, timeout=5)
    ok(a == [DUNNO], "SIGTERM: the waiting request still gets its answer", a)
    s.close()


if __name__ == "__main__":
    main()
