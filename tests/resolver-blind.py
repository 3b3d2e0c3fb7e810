#!/usr/bin/env python3
"""resolver-blind: the resolver's blindness guard on the loopback lab.

The DNS path is made dead with an unbound.conf whose root hints name
127.53.255.254 (port 53), where nothing listens; infra-host-ttl is 900 s,
libunbound's default, so servers it marks down stay down long after the
path returns unless the guard renews the context.
  1. mxvet check, dead path: no verdict, exit 69, a sentence saying the
     resolver reaches no DNS, "resolver_blind": true, one warning.
  2. mxvet check, the lab's own path: timeout.test and servfail.test (zones
     whose own servers are dead) are still deferred, not blind.
  3. mxvetd, dead path: DUNNO (error_action) for nullmx.test and
     healthy.test, nothing cached, mxvet_resolver_blind 1, one warning.
     Then the path returns (a relay on 127.53.255.254 to the lab root):
     mxvet_resolver_blind 0, one warning, and the real verdicts come at
     once: nullmx.test 556 (so the DUNNO was not cached, and the servers
     marked down while blind were forgotten), timeout.test and servfail.test
     deferred. Loopback only. TAP output."""
import json, os, re, shutil, socket, subprocess, sys, tempfile, threading, time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402

top = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.environ.get("top_builddir", top)
lab = os.environ.get("MXVET_LAB", "/tmp/mxvet-lab")
DEAD = "127.53.255.254"     # nothing of the lab listens here
LAB_ROOT = "127.53.0.1"
BLIND_MSG = "resolver: blind"
BACK_MSG = "resolver: DNS answers again"
tap = pf.Tap()
ok = tap.ok


class Relay:
    """The path comes back: DNS over UDP and TCP from DEAD:53 to the lab root."""

    def __init__(self):
        self.u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.u.bind((DEAD, 53))
        self.t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.t.bind((DEAD, 53))
        self.t.listen(16)
        threading.Thread(target=self.udp, daemon=True).start()
        threading.Thread(target=self.tcp, daemon=True).start()

    def udp(self):
        while True:
            q, peer = self.u.recvfrom(65535)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(2)
            try:
                s.sendto(q, (LAB_ROOT, 53))
                self.u.sendto(s.recv(65535), peer)
            except OSError:
                pass
            s.close()

    def tcp(self):
        while True:
            c, _ = self.t.accept()
            try:
                c.settimeout(2)
                s = socket.create_connection((LAB_ROOT, 53), 2)
                s.sendall(c.recv(65535))
                c.sendall(s.recv(65535))
                s.close()
            except OSError:
                pass
            c.close()


def metrics(port):
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    out = {}
    for line in m.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            k, v = line.split()
            out[k] = int(v) if v.isdigit() else float(v)   # histogram sums are not integers
    return out


def check(conf, *domains):
    p = subprocess.run([os.path.join(build, "mxvet"), "check", "--json", "--config", conf]
                       + list(domains), capture_output=True, text=True, timeout=60)
    res = {}
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
            res[o["domain"]] = o
        except ValueError:
            pass
    return p, res


def codes(o):
    return sorted({f["code"] for f in o.get("findings", []) if f["action"] != "ignore"})


def main():
    work = tempfile.mkdtemp(prefix="mxvet-resolver-blind-")
    os.chmod(work, 0o777)
    good, dead = os.path.join(work, "good.conf"), os.path.join(work, "dead.conf")
    port, aport = pf.free_port(), pf.free_port()
    env = dict(os.environ, top_srcdir=top, top_builddir=build, MXVET_LAB=lab)
    daemon_kv = ["policy_listen=inet:127.0.0.1:%d" % port, "admin_listen=inet:127.0.0.1:%d" % aport,
                 "decision_timeout=20s", "user=nobody", "pid_file=", "risk_log="]
    hints, ubconf = os.path.join(work, "dead.hints"), os.path.join(work, "dead-unbound.conf")
    r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && '
                        'lab_conf "$1" "state_dir=$3/state-good" && '
                        'lab_conf "$2" "state_dir=$3/state-dead" "unbound_config=$4" "${@:5}"',
                        "lab", good, dead, work, ubconf] + daemon_kv,
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        print("Bail out! cannot start the lab: " + r.stderr.strip()[-500:])
        return
    with open(hints, "w") as f:
        f.write(".\t3600000\tNS\tdead.root.\ndead.root.\t3600000\tA\t%s\n" % DEAD)
    text = open(os.path.join(lab, "unbound.conf")).read()
    text = text.replace(os.path.join(lab, "root.hints"), hints)
    text = re.sub(r"infra-host-ttl:.*", "infra-host-ttl: 900", text)
    with open(ubconf, "w") as f:
        f.write(text)

    # 1. mxvet check with the DNS path dead
    p, res = check(dead, "healthy.test", "nullmx.test")
    ok(p.returncode == 69, "dead path: mxvet check exits 69", (p.returncode, p.stderr[-500:]))
    ok(len(res) == 2 and all(o["verdict"] is None and o["resolver_blind"] is True and
                             "reaches no DNS" in (o["error"] or "") and not o["reply"]
                             for o in res.values()),
       "dead path: no verdict, \"resolver_blind\": true, error says so", p.stdout[-800:])
    ok("healthy.test: no verdict: the resolver reaches no DNS server" in p.stderr,
       "dead path: a sentence saying the resolver reaches no DNS", p.stderr[-800:])
    ok(p.stderr.count(BLIND_MSG) == 1, "dead path: one warning", p.stderr[-800:])

    # 2. the lab's own path: dead zones are still the domain's fault
    p, res = check(good, "timeout.test", "servfail.test", "healthy.test")
    t, s, h = res.get("timeout.test", {}), res.get("servfail.test", {}), res.get("healthy.test", {})
    ok(t.get("verdict") == "defer" and "DNS_TIMEOUT" in codes(t) and t.get("resolver_blind") is False,
       "lab path: timeout.test deferred (DNS_TIMEOUT), not blind", t)
    ok(s.get("verdict") == "defer" and "DNS_SERVFAIL" in codes(s) and s.get("resolver_blind") is False,
       "lab path: servfail.test deferred (DNS_SERVFAIL), not blind", s)
    ok(h.get("verdict") == "accept" and p.returncode == 2 and BLIND_MSG not in p.stderr,
       "lab path: healthy.test accepted, exit 2, no blindness", (h.get("verdict"), p.returncode))

    # 3. mxvetd with the DNS path dead, then back
    d = os.path.join(build, "mxvetd")
    args = [d, "-f", "-c", dead]
    if subprocess.run([d, "-f", "-l", "stderr", "-n", "-c", dead],
                      capture_output=True).returncode == 0:
        args[1:1] = ["-l", "stderr"]    # mxvetd that logs to syslog by default
    log_path = os.path.join(work, "mxvetd.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    relay = None
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        sk = socket.create_connection(("127.0.0.1", port), 5)
        sk.sendall(pf.request("u@nullmx.test") + pf.request("u@healthy.test"))
        a = pf.read_answers(sk, 2, timeout=25)
        ok(a == ["action=DUNNO", "action=DUNNO"], "mxvetd, dead path: DUNNO (error_action)", a)
        m = metrics(aport)
        ok(m.get("mxvet_resolver_blind") == 1 and m.get("mxvet_cache_entries") == 0 and
           m.get("mxvet_errors_total", 0) >= 2,
           "mxvetd, dead path: mxvet_resolver_blind 1, nothing cached", m)
        sk.sendall(pf.request("u@nullmx.test"))
        a = pf.read_answers(sk, 1, timeout=25)
        ok(a == ["action=DUNNO"], "mxvetd, dead path: asked again, DUNNO again (blind)", a)
        relay = Relay()
        deadline = time.time() + 30
        while time.time() < deadline and metrics(aport).get("mxvet_resolver_blind") != 0:
            time.sleep(0.3)
        m = metrics(aport)
        ok(m.get("mxvet_resolver_blind") == 0 and m.get("mxvet_resolver_blind_episodes_total") == 1,
           "mxvetd: the path returns, mxvet_resolver_blind 0 (one episode)", m)
        t0 = time.time()
        sk.sendall(pf.request("u@nullmx.test") + pf.request("u@healthy.test"))
        a = pf.read_answers(sk, 2, timeout=25)
        ok(a == ["action=556 5.1.10 recipient domain nullmx.test publishes a null MX (RFC 7505) "
                 "[NULL_MX]", "action=DUNNO"] and time.time() - t0 < 5,
           "mxvetd, path back: nullmx.test rejected at once (nothing cached while blind, "
           "servers marked down forgotten)", (a, time.time() - t0))
        sk.sendall(pf.request("u@timeout.test") + pf.request("u@servfail.test"))
        a = pf.read_answers(sk, 2, timeout=25)
        ok(len(a) == 2 and a[0].startswith("action=450 4.4.3 recipient domain timeout.test") and
           "[DNS_TIMEOUT]" in a[0] and "[DNS_SERVFAIL]" in a[1],
           "mxvetd, path back: timeout.test and servfail.test deferred", a)
        sk.close()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    text = open(log_path).read()
    ok(text.count(BLIND_MSG) == 1 and text.count(BACK_MSG) == 1,
       "mxvetd: one warning when blindness starts, one when it ends",
       [ln for ln in text.splitlines() if "resolver" in ln][:10])
    if tap.plan():
        shutil.rmtree(work, ignore_errors=True)   # kept for a look when a test failed


if __name__ == "__main__":
    main()
