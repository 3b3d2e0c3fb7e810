#!/usr/bin/env python3
"""fleet-bench: mxvetd with a Redis shared by a fleet (make bench-fleet).
A private redis-server on loopback; the domains come from libunbound's own
local data (a "redirect" zone fb.test: every name has MX 10 mx.fb.test,
whose address 127.0.0.25 makes a MX_LOCALHOST finding, configured to
annotate), so checks need no DNS server and every answer names its domain:
an answer is right only if it is the annotate header for that domain
(a decision_timeout DUNNO counts as a timeout, anything else as wrong).
  1. cached decisions with redis_url set, against the floor server in the
     same run: bench/policy-bench.sh with MXVETD_EXTRA (the lab's domains)
  2. latency, one request at a time on one connection (client to answer):
     local hit; local miss + Redis hit; local miss + Redis miss (own
     check); local miss without Redis (a host without redis_url)
  3. decisions/s of a fresh-domain stream (every name new): one host
     without Redis; two hosts sharing Redis with disjoint streams; two hosts
     given the same stream (each name asked of both)
Loopback only; every phase bounded (SECONDS per load phase)."""
import multiprocessing, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

top = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.environ.get("top_builddir", top)
sys.path.insert(0, os.path.join(top, "tests"))
SECONDS = float(os.environ.get("SECONDS_RUN", "5"))
N_LAT = int(os.environ.get("N_LAT", "2000"))
DEPTH = 16
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def req(domain):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
            "client_address=192.0.2.7\nclient_name=c.example\nsender=s@example.org\n"
            "recipient=u@%s\nqueue_id=\ninstance=1.2.0\nsize=100\n\n" % domain).encode()


def right(domain, answer):
    return answer == "action=PREPEND X-Mxvet: annotate; domain=%s; findings=MX_LOCALHOST" % domain


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), 5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def answers(self, n):
        out = []
        while len(out) < n:
            while b"\n\n" in self.buf and len(out) < n:
                a, self.buf = self.buf.split(b"\n\n", 1)
                out.append(a.decode())
            if len(out) < n:
                d = self.s.recv(65536)
                if not d:
                    raise RuntimeError("connection closed")
                self.buf += d
        return out


class Host:
    def __init__(self, work, name, ubconf, redis_url):
        self.dir = os.path.join(work, name)
        os.makedirs(os.path.join(self.dir, "state"))
        os.chmod(self.dir, 0o777)
        os.chmod(os.path.join(self.dir, "state"), 0o777)
        self.port, self.admin = free_port(), free_port()
        conf = os.path.join(self.dir, "mxvet.conf")
        with open(conf, "w") as f:
            f.write("unbound_config = %s\nchecks = dns\non_mx_localhost = annotate\n"
                    "mx_providers_file = %s/data/mx-providers.txt\n"
                    "policy_listen = inet:127.0.0.1:%d\nadmin_listen = inet:127.0.0.1:%d\n"
                    "decision_timeout = 8s\nuser = %s\nstate_dir = %s/state\npid_file =\n"
                    "redis_url = %s\n" % (ubconf, top, self.port, self.admin,
                                           "nobody" if os.geteuid() == 0 else "", self.dir, redis_url))
        self.proc = subprocess.Popen([os.path.join(build, "mxvetd"), "-f", "-l", "stderr", "-c", conf],
                                     stdout=open(os.path.join(self.dir, "log"), "w"), stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        if redis_url:
            for _ in range(100):
                if self.metric("mxvet_redis_up") == 1:
                    break
                time.sleep(0.05)

    def metric(self, name):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.admin, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return 0.0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100.0))]


def latencies(port, names):
    c = Conn(port)
    out, bad = [], 0
    for d in names:
        t0 = time.perf_counter()
        c.s.sendall(req(d))
        a = c.answers(1)[0]
        out.append(time.perf_counter() - t0)
        bad += not right(d, a)
    return out, bad


def warm(port, names):
    c = Conn(port)
    bad = 0
    for i in range(0, len(names), DEPTH):
        chunk = names[i:i + DEPTH]
        c.s.sendall(b"".join(req(d) for d in chunk))
        bad += sum(not right(d, a) for d, a in zip(chunk, c.answers(len(chunk))))
    return bad


def stream(args):
    """One load process: fresh names tag-0, tag-1, ... on one connection,
    DEPTH in flight, for SECONDS. Returns (answers, right, timeouts)."""
    port, tag = args
    c = Conn(port)
    n = good = tmo = 0
    i = 0
    end = time.time() + SECONDS
    while time.time() < end:
        chunk = ["%s-%d.fb.test" % (tag, i + k) for k in range(DEPTH)]
        i += DEPTH
        c.s.sendall(b"".join(req(d) for d in chunk))
        for d, a in zip(chunk, c.answers(DEPTH)):
            n += 1
            good += right(d, a)
            tmo += a == "action=DUNNO"
    return n, good, tmo


def load(jobs):
    t0 = time.time()
    with multiprocessing.Pool(len(jobs)) as p:
        res = p.map(stream, jobs)
    el = time.time() - t0
    n = sum(r[0] for r in res)
    return n, sum(r[1] for r in res), sum(r[2] for r in res), el


def main():
    work = tempfile.mkdtemp(prefix="mxvet-fleet-bench-")
    os.chmod(work, 0o777)
    rport = free_port()
    redis = subprocess.Popen([REDIS, "--bind", "127.0.0.1", "--port", str(rport), "--save", "",
                              "--appendonly", "no", "--dir", work, "--logfile", os.path.join(work, "redis.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "redis://127.0.0.1:%d" % rport
    time.sleep(0.3)
    print("fleet bench: %d CPUs, load %s, redis-server %s" % (
        os.cpu_count(), open("/proc/loadavg").read().split()[:3],
        subprocess.run([REDIS, "--version"], capture_output=True, text=True).stdout.split()[2]))
    sys.stdout.flush()
    hosts = []
    try:
        # 1. cached decisions with Redis configured, against the floor
        env = dict(os.environ, top_srcdir=top, top_builddir=build,
                   MXVETD_EXTRA="redis_url = %s\nredis_timeout = 200" % url)
        r = subprocess.run(["bash", os.path.join(top, "bench/policy-bench.sh")], env=env,
                           capture_output=True, text=True)
        print("1. cached decisions, redis_url set (bench/policy-bench.sh):")
        for line in r.stdout.splitlines():
            print("   " + line)
        if r.returncode:
            print("   policy-bench failed: " + r.stderr[-500:])
        sys.stdout.flush()

        ub = os.path.join(work, "ub.conf")
        with open(ub, "w") as f:
            f.write('server:\n  do-not-query-localhost: no\n  local-zone: "test." nodefault\n'
                    '  local-zone: "fb.test." redirect\n'
                    '  local-data: "fb.test. 3600 IN MX 10 mx.fb.test."\n'
                    '  local-data: "fb.test. 3600 IN A 127.0.0.25"\n')
        A = Host(work, "a", ub, url)
        B = Host(work, "b", ub, url)
        C = Host(work, "c", ub, "")
        hosts += [A, B, C]

        # 2. latency
        names = ["lat%d.fb.test" % i for i in range(N_LAT)]
        bad = warm(A.port, names)
        while A.metric("mxvet_fleet_verdict_writes_total") < N_LAT:
            time.sleep(0.05)
        rows = []
        lat, b1 = latencies(B.port, names)
        rows.append(("local miss, Redis hit (host B, A's verdicts)", lat))
        lat, b2 = latencies(B.port, names)
        rows.append(("local hit (host B, the same names again)", lat))
        lat, b3 = latencies(B.port, ["miss%d.fb.test" % i for i in range(N_LAT)])
        rows.append(("local miss, Redis miss: own check (host B)", lat))
        lat, b4 = latencies(C.port, ["own%d.fb.test" % i for i in range(N_LAT)])
        rows.append(("local miss, no Redis configured: own check (host C)", lat))
        print("2. latency, one request at a time, %d names each (client send to answer):" % N_LAT)
        for name, v in rows:
            print("   %-55s p50 %6.0f us  p99 %6.0f us" % (name, pct(v, 50) * 1e6, pct(v, 99) * 1e6))
        print("   wrong answers: %d; host B checks started %d (of %d names it had to check itself)" % (
            bad + b1 + b2 + b3 + b4, B.metric("mxvet_checks_started_total"), N_LAT))
        sys.stdout.flush()

        # 3. fresh-domain throughput
        print("3. fresh-domain stream, %ds each, %d in flight per connection:" % (SECONDS, DEPTH))
        for label, jobs in (
                ("one host, no Redis (C), 2 connections", [(C.port, "c1"), (C.port, "c2")]),
                ("two hosts sharing Redis (A, B), disjoint streams, 2 connections each",
                 [(A.port, "a1"), (A.port, "a2"), (B.port, "b1"), (B.port, "b2")]),
                ("two hosts sharing Redis (A, B), the same stream to both, 2 connections each",
                 [(A.port, "s1"), (A.port, "s2"), (B.port, "s1"), (B.port, "s2")])):
            c0 = A.metric("mxvet_checks_started_total") + B.metric("mxvet_checks_started_total") + \
                C.metric("mxvet_checks_started_total")
            n, good, tmo, el = load(jobs)
            c1 = A.metric("mxvet_checks_started_total") + B.metric("mxvet_checks_started_total") + \
                C.metric("mxvet_checks_started_total")
            print("   %-75s %7.0f decisions/s (%d answers, %d right, %d timeouts, %d checks)" % (
                label, n / el, n, good, tmo, c1 - c0))
            sys.stdout.flush()
    finally:
        for h in hosts:
            h.stop()
        redis.send_signal(signal.SIGTERM)
        redis.wait()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
